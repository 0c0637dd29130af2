"""The credit line: committee proposal, officer's and review group's opinions, director's final line, revision after an objection."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import snapshot
from creditcoop.models import Role
from creditcoop.permissions import (
    require_may_write,
    works_at,
)

from ..models import (
    CreditApplication,
    Grade,
)
from ..rules import (
    RatingError,
    _check_approver,
    _check_may_investigate,
    _committee_or_officer,
)
from ._common import (
    TRACKED,
    S,
    _advance_one,
    _lock,
    _money,
    _require_status,
    _save,
)


def _check_line(app, amount, term=None, *, label) -> tuple[Decimal, int | None]:
    amount = _money(amount, label)
    if amount <= 0:
        raise RatingError(_("%s必须大于0；不予授信请使用“否决”并写明原因。") % label)
    grade_max = app.scorecard.max_line_for(app.grade)
    if amount > grade_max:
        raise RatingError(
            _("%(label)s %(amount)s 元超过 %(grade)s 级最高授信额度 %(max)s 元。")
            % {"label": label, "amount": amount, "grade": app.grade, "max": grade_max}
        )
    income_cap = app.income_cap
    if income_cap is not None and amount > income_cap:
        raise RatingError(
            _("%(label)s %(amount)s 元超过家庭年纯收入扣除其他负债后的 %(pct)s%%（%(cap)s 元）。")
            % {
                "label": label,
                "amount": amount,
                "pct": int(app.scorecard.income_cap_ratio * 100),
                "cap": income_cap,
            }
        )
    if term is not None:
        try:
            term = int(term)
        except (TypeError, ValueError):
            raise RatingError(_("授信期限无效。"))
        if not 1 <= term <= app.scorecard.max_term_months:
            raise RatingError(_("授信期限应为 1 至 %s 个月。") % app.scorecard.max_term_months)
    return amount, term


@transaction.atomic
def application_line_propose(
    *, application, actor, amount, term_months, expected_version=None, advance=False
) -> CreditApplication:
    """The village committee's proposed line (初步授信), or the officer on its behalf."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    _committee_or_officer(actor, app.village)
    _require_status(app, S.LINE_PROPOSAL)
    amount, term = _check_line(app, amount, term_months, label=_("建议额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.proposed_line, app.proposed_term, app.proposed_by = amount, term, actor
    if advance:
        _advance_one(app)
    return _save(app, actor=actor, action="proposal", before=before, from_status=from_status)


@transaction.atomic
def application_line_officer(
    *, application, actor, amount, opinion="", expected_version=None, advance=False
) -> CreditApplication:
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.LINE_OFFICER)
    _check_may_investigate(actor, app)
    amount, _term = _check_line(app, amount, label=_("信贷员意见额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.officer_line, app.officer_opinion, app.officer_line_by = amount, opinion.strip(), actor
    if advance:
        _advance_one(app)
    return _save(app, actor=actor, action="officer_line", before=before, from_status=from_status)


@transaction.atomic
def application_line_review(
    *, application, actor, amount, opinion="", expected_version=None, advance=False
) -> CreditApplication:
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.LINE_REVIEW)
    if not works_at(actor, app.village.cooperative_id, Role.REVIEW_GROUP):
        raise RatingError(_("只有本社审贷小组成员可以提出审贷意见。"))
    amount, _term = _check_line(app, amount, label=_("审贷小组意见额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.review_line, app.review_opinion, app.review_line_by = amount, opinion.strip(), actor
    if advance:
        _advance_one(app)
    return _save(app, actor=actor, action="review_line", before=before, from_status=from_status)


@transaction.atomic
def application_line_final(
    *, application, actor, amount, term_months, expected_version=None
) -> CreditApplication:
    """The director's final line (核定): never above the grade maximum or the income cap."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.LINE_DIRECTOR)
    _check_approver(actor, app)
    amount, term = _check_line(app, amount, term_months, label=_("核定额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.final_line, app.term_months = amount, term
    app.line_set_by, app.line_set_at = actor, timezone.now()
    app.status = S.LINE_SET
    return _save(app, actor=actor, action="final_line", before=before, from_status=from_status)


@transaction.atomic
def application_line_revise(
    *, application, actor, reason: str, new_line=None, new_grade=None
) -> CreditApplication:
    """Revise grade and/or line after an upheld objection during the public notice.

    Same caps as the director's line (grade maximum, income cap); the application stays
    in "line_set" with the revised values; history and audit keep old → new and why.
    """
    require_may_write(actor)
    app = _lock(application)
    _require_status(app, S.LINE_SET)
    _check_approver(actor, app)
    reason = (reason or "").strip()
    if not reason:
        raise RatingError(_("请写明调整理由。"))
    if new_line is None and new_grade is None:
        raise RatingError(_("请给出调整后的等级或额度。"))
    before, from_status = snapshot(app, TRACKED), app.status
    if new_grade is not None:
        if new_grade not in Grade.values:
            raise RatingError(_("等级只能是 AAA、AA 或 A；不再授信请从公示中撤下并否决。"))
        app.grade = new_grade
    line = app.final_line if new_line is None else new_line
    try:
        line, _term = _check_line(app, line, label=_("调整后额度"))
    except RatingError as e:
        if new_line is None:
            raise RatingError(
                _("调整等级后原额度 %(line)s 元超出上限，请同时给出新的授信额度。%(detail)s")
                % {"line": app.final_line, "detail": e.message}
            )
        raise
    app.final_line = line
    app.line_set_by, app.line_set_at = actor, timezone.now()
    return _save(
        app, actor=actor, action="revise", before=before, from_status=from_status, reason=reason
    )
