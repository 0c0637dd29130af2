"""What every archive service shares: the error type, today, the role conflict rule."""

from datetime import date

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError
from creditcoop.models import LOAN_HANDLING_ROLES, Role


class ArchiveError(DomainError):
    pass


def today_or(today=None) -> date:
    return today or timezone.localdate()


def next_number(sequence: str) -> int:
    """The next value of a PostgreSQL sequence (batch and borrowing numbers)."""
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s)", [sequence])
        return cur.fetchone()[0]


def require_archivist(actor, cooperative_id=None) -> None:
    """Only an archivist of the cooperative acts for the archive room, and an archivist may not
    be a person handling credit business (docs/rules.md §6.2)."""
    if not actor.has_role(Role.ARCHIVIST):
        raise ArchiveError(_("只有档案管理员可以办理此项。"))
    if actor.has_role(*LOAN_HANDLING_ROLES):
        raise ArchiveError(
            _("档案管理员不得由经办信贷业务的人员兼任（%(roles)s），请由专职档案管理员办理。")
            % {"roles": actor.role_labels()}
        )
    if cooperative_id is not None and actor.cooperative_id != cooperative_id:
        raise ArchiveError(_("只能办理本社档案室的档案。"))
