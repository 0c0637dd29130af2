"""Who may act on a rating application, and the errors a refused action raises.

Each check raises ``RatingError`` with a message for the person refused; the pipeline
(``ratings.pipeline``) names the check of every step, and the services make it before they
write. The officer grades are described in docs/rules.md §2.
"""

from django.utils.translation import gettext as _

from creditcoop.errors import DomainError
from creditcoop.models import Role
from creditcoop.permissions import (
    manages_village,
    officer_or_director,
    sits_on_committee,
    works_at,
)


class RatingError(DomainError):
    """A rating rule refused the action; the message is meant for the user (Chinese)."""


class StaleApplicationError(RatingError):
    """Someone else saved the application after this form was loaded."""


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def _check_may_register(actor, village):
    if not works_at(actor, village.cooperative_id, Role.OFFICER, Role.DIRECTOR, Role.DEPUTY):
        raise RatingError(_("只有本社信贷员或主任可以登记评级申请。"))


def _check_may_prepare(actor, village):
    """Documents, submission: the village's officer or the director/deputy."""
    if not officer_or_director(actor, village):
        raise RatingError(_("只有该村包村信贷员或本社主任可以办理此项。"))


def _check_may_investigate(actor, application):
    _check_village_officer(actor, application.village)
    _check_officer_grade(actor, application)


def _check_village_officer(actor, village):
    if not manages_village(actor, village):
        raise RatingError(_("只有该村的包村信贷员可以入户调查和审核。"))


def _check_officer_grade(actor, application):
    """Grade 1: any amount; grade 2: the cooperative's small band only; grade 3: never."""
    village = application.village
    if not actor.officer_may_investigate(application.requested_amount, village.cooperative):
        if actor.officer_grade == 2:
            raise RatingError(
                _("二级信贷员只能调查小额贷款（不超过 %(max)s 元），本申请 %(amount)s 元。")
                % {
                    "max": village.cooperative.small_loan_max,
                    "amount": application.requested_amount,
                }
            )
        raise RatingError(_("三级信贷员不得从事贷款调查。"))


def _committee_or_officer(actor, village) -> bool:
    """Committee entry: a committee member of this village, or its officer on their behalf.

    Returns True when the officer enters on the committee's behalf.
    """
    if sits_on_committee(actor, village):
        return False
    if manages_village(actor, village):
        return True
    raise RatingError(_("只有本村信用评审小组成员或包村信贷员（代录）可以录入。"))


def _check_review_group(actor, village):
    if not works_at(actor, village.cooperative_id, Role.REVIEW_GROUP, Role.DIRECTOR, Role.DEPUTY):
        raise RatingError(_("只有本社评定小组（审贷小组）成员可以办理此项。"))


def _check_director(actor, village):
    if not works_at(actor, village.cooperative_id, Role.DIRECTOR, Role.DEPUTY):
        raise RatingError(_("只有本社主任（副主任）可以核定授信额度。"))


def _check_approver(actor, application):
    _check_director(actor, application.village)
    if application.investigated_by_id and application.investigated_by_id == actor.pk:
        raise RatingError(_("调查人不得审批同一笔授信（审贷分离）。"))


def _check_line_review_role(actor, village):
    if not works_at(actor, village.cooperative_id, Role.REVIEW_GROUP):
        raise RatingError(_("只有本社审贷小组成员可以提出审贷意见。"))
