"""What every rating model shares: the grade bands and the staff foreign key."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

STAFF = settings.AUTH_USER_MODEL


def staff_fk(verbose_name):
    """Who did a step: optional, never deleted with the person, no reverse accessor."""
    return models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class Grade(models.TextChoices):
    AAA = "AAA", _("AAA（优秀）")
    AA = "AA", _("AA（较好）")
    A = "A", _("A（一般）")
