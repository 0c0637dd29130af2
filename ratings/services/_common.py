"""What every rating service shares: locking, history, bulk writes and step clocks.

Every public service is one transaction: lock the application, check the actor and the
transition, write, keep a history row (ApplicationEvent) and an audit record. Rules are in
docs/rules.md §2 and the officer grades in §0.

Time limits (限时办结, docs/rules.md §5): every step of the pipeline runs under the
deadline engine (``creditcoop.deadlines``). Each step change is recorded by ``_save`` (one
application) or ``_record_many`` (a bulk step of the rating day), and both call
``_steps_follow``: the clock of the step left is stopped (with the reason: moved on, or
rejected) and the clock of the step entered is opened with its ``RatingStepLimit`` —
inside the same transaction. Registration opens the first step's clock.

Bulk steps (the rating day's "move all complete rows on", the rating group's decision)
are set-based: the rows are locked with one read, written with one guarded UPDATE
(``_bulk_write``: a row whose version changed since it was read is not written and is
reported), and their history, audit rows and clocks are written with a few statements
whatever the number of rows.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import diff, snapshot
from creditcoop.deadlines.accountability import reference_rate
from creditcoop.deadlines.engine import (
    DeadlineSpec,
    deadline_open_many,
    deadline_stop_many,
)
from creditcoop.models import Staff
from creditcoop.money import to_fen
from creditcoop.permissions import (
    cooperative_director,
)
from creditcoop.workflow import Move, record_many
from creditcoop.workflow import record as record_move

from ..models import (
    CreditApplication,
    RatingStepLimit,
    StepRole,
)
from ..pipeline import STEPS, step_deadline_kind
from ..rules import RatingError, StaleApplicationError

S = CreditApplication.Status


# ---------------------------------------------------------------------------
# History and locking
# ---------------------------------------------------------------------------

TRACKED = [
    "status",
    "requested_amount",
    *CreditApplication.REQUIRED_DOCUMENTS,
    "family_size",
    "net_assets",
    "annual_net_income",
    "other_debt",
    "main_business",
    "visit_date",
    "visit_note",
    "initial_scores",
    "initial_total",
    "initial_grade",
    "reviewed_scores",
    "reviewed_total",
    "grade",
    "proposed_line",
    "proposed_term",
    "officer_line",
    "officer_opinion",
    "review_line",
    "review_opinion",
    "final_line",
    "term_months",
    "rejection_reason",
]


def _lock(application, expected_version=None) -> CreditApplication:
    app = (
        CreditApplication.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "scorecard", "household", "applicant")
        .get(pk=application.pk)
    )
    if expected_version is not None and int(expected_version) != app.version:
        raise StaleApplicationError(
            _(
                "保存失败：%(name)s 的申请已被他人修改（您打开的是第 %(mine)s 版，当前是第 %(now)s 版）。"
                "请刷新页面查看最新内容后再修改。"
            )
            % {"name": app.applicant.name, "mine": expected_version, "now": app.version}
        )
    return app


def _require_status(app, *statuses):
    if app.status not in statuses:
        raise RatingError(
            _("%(name)s 的申请当前处于“%(status)s”，不能办理此项。")
            % {"name": app.applicant.name, "status": app.get_status_display()}
        )


def _save(app, *, actor, action, before, from_status, reason="", fields=None):
    if app.status != from_status:
        CreditApplication.workflow.check(from_status, app.status)
    app.version += 1
    app.save(update_fields=None if fields is None else [*fields, "version", "updated_at"])
    changes = diff(before, snapshot(app, TRACKED))
    record_move(
        Move(
            app,
            from_status,
            app.status,
            actor,
            reason,
            changes,
            f"ratings.{action}",
            cooperative=app.village.cooperative,
        )
    )
    _steps_follow([(app, from_status)], actor=actor)
    return app


def _record_many(
    apps_before: list[tuple[CreditApplication, dict, str]],
    *,
    actor,
    action,
    reason="",
    facts: dict | None = None,
):
    """History, audit rows and step clocks for a bulk step, each written set-wise.

    ``facts`` (plain values, e.g. the members present at a sitting) go into every row's
    changes beside the field changes.
    """
    moves = []
    for app, before, from_status in apps_before:
        if app.status != from_status:
            CreditApplication.workflow.check(from_status, app.status)
        changes = {**diff(before, snapshot(app, TRACKED)), **(facts or {})}
        moves.append(
            Move(
                app,
                from_status,
                app.status,
                actor,
                reason,
                changes,
                f"ratings.{action}",
                cooperative=app.village.cooperative_id,
            )
        )
    record_many(moves)
    _steps_follow([(app, from_status) for app, _before, from_status in apps_before], actor=actor)


_BULK_BATCH = 1000


def _bulk_write(apps: list[CreditApplication], fields: list[str]) -> set[int]:
    """Save `status` and `fields` of every application still at the version read; bump it.

    The optimistic check of a single save, set-wise: one ``UPDATE … FROM (VALUES …)
    WHERE version = <version read>`` per 1,000 rows. A row saved by someone else since
    it was read is left as it is. Returns the ids written (their ``version`` and
    ``updated_at`` are updated in memory too).
    """
    if not apps:
        return set()
    meta = CreditApplication._meta
    columns = [meta.get_field(f) for f in ["status", *fields]]
    qn = connection.ops.quote_name
    assign = ", ".join(
        f"{qn(f.column)} = CAST(v.{qn(f.column)} AS {f.db_type(connection)})" for f in columns
    )
    names = ", ".join(["id", "expected_version", *(qn(f.column) for f in columns)])
    row = "(" + ", ".join(["%s"] * (2 + len(columns))) + ")"
    now = timezone.now()
    written = set()
    with connection.cursor() as cur:
        for start in range(0, len(apps), _BULK_BATCH):
            chunk = apps[start : start + _BULK_BATCH]
            params = [now]
            for app in chunk:
                params += [app.pk, app.version]
                params += [f.get_db_prep_save(getattr(app, f.attname), connection) for f in columns]
            # Only names from the model's metadata are formatted in; values are parameters.
            sql = (
                f"UPDATE {qn(meta.db_table)} AS a "  # noqa: S608
                f"SET version = a.version + 1, updated_at = %s, {assign} "
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v({names}) "
                "WHERE a.id = v.id AND a.version = v.expected_version RETURNING a.id"
            )
            cur.execute(sql, params)
            written.update(pk for (pk,) in cur.fetchall())
    for app in apps:
        if app.pk in written:
            app.version += 1
            app.updated_at = now
    return written


def _stale_message(app) -> str:
    return _("%(name)s 的申请已被他人修改，未转入，请刷新后重试。") % {"name": app.applicant.name}


def _share_scorecards(apps):
    """Rows of one campaign share one or two scorecard versions: one instance (and one
    indicator cache) per version instead of one per row."""
    cards = {}
    for app in apps:
        app.scorecard = cards.setdefault(app.scorecard_id, app.scorecard)


# ---------------------------------------------------------------------------
# Time limits per step (deadline engine)
# ---------------------------------------------------------------------------


def _stop_reason(app) -> str:
    if app.status == S.REJECTED:
        return _("未通过：%s") % app.rejection_reason
    if app.status == S.LINE_SET:
        return _("主任已核定授信额度")
    return _("已转入“%s”") % S(app.status).label


def _steps_follow(moves: list[tuple[CreditApplication, str]], *, actor) -> None:
    """Stop the clock of the step each application left, open the one it entered.

    ``moves`` holds (application, status before); unchanged statuses are skipped. The
    limit, the responsible person and the rate are looked up once per call, and the
    clocks are stopped and opened with the engine's set-based calls (one stop per step
    left, one open for all), so a bulk step of 500 rows costs what a step of 5 costs.
    """
    moves = [(app, before) for app, before in moves if app.status != before]
    if not moves:
        return
    entering = {app.status for app, _before in moves if app.status in STEPS}
    limits = {lim.step: lim for lim in RatingStepLimit.objects.filter(step__in=entering)}
    rate = reference_rate() if limits else None
    people: dict[tuple, Staff | None] = {}

    def responsible(app, limit):
        village = app.village
        key = (limit.responsible_role, village.pk)
        if key not in people:
            person = None
            if limit.responsible_role == StepRole.VILLAGE_OFFICER and village.officer_id:
                person = Staff.objects.filter(
                    pk=village.officer_id, is_active=True, officer_grade__in=[1, 2]
                ).first()
            # A village without an (active) officer, or whose officer is of grade 3 and
            # may not investigate: the director answers for the step (and assigns it).
            people[key] = person or cooperative_director(village.cooperative_id)
        return people[key]

    leaving: dict[str, list] = {}
    for app, before in moves:
        if before in STEPS:
            leaving.setdefault(before, []).append(app)
    items = []
    for app, _before in moves:
        limit = limits.get(app.status)
        if limit is None:
            continue
        person = responsible(app, limit)
        if person is None:
            continue  # nobody can answer for it: a cooperative without a director
        items.append(
            DeadlineSpec(
                target=app,
                kind=step_deadline_kind(app.status),
                responsible=person,
                cooperative=app.village.cooperative_id,
                working_days=limit.working_days,
                amount=app.requested_amount,
                annual_rate=rate,
                title=f"{S(app.status).label} {app.applicant.name}（{app.village.name}）",
            )
        )
    for before, apps in leaving.items():
        deadline_stop_many(
            targets=apps, kind=step_deadline_kind(before), reason=_stop_reason, actor=actor
        )
    deadline_open_many(items=items, actor=actor)


def _money(value, label) -> Decimal:
    try:
        return to_fen(Decimal(str(value).replace(",", "").strip()))
    except (InvalidOperation, ValueError, TypeError):
        raise RatingError(_("%s不是有效的金额。") % label)


def _advance_one(app):
    app.status = STEPS[app.status].next
