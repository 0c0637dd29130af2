"""What every village service needs: the error and the write check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError

from ..models import Village
from ..selectors import village_writable


class VillageError(DomainError):
    """A rule the user broke, in Chinese.

    `errors` maps a place to messages: a field name ("phone"), or (row index, field) for
    one family member, or None for the whole form.
    """


def require_village_write(actor, village: Village) -> None:
    if not village_writable(actor, village):
        raise PermissionDenied(_("您不能修改该村的数据。"))
