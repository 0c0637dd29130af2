"""The deadline engine (限时办结) — the public API other workflows call.

Every promised time (walk-in answer and approval, rating steps, objections, archive
loans) is one ``Deadline`` row pointing at its object through a generic relation.
Counting is in working days (``creditcoop.workdays``), so Spring Festival and make-up
working days move due days correctly.

``deadline_open(*, target, kind, responsible, cooperative, working_days, start=None,
amount=None, annual_rate=None, title="", link="", loan_type=None, actor=None)``
    The one-item case of ``deadline_open_many``: start the clock for ``target`` (any saved model instance). ``kind`` is a short
    code its app registered (``creditcoop.deadlines.kinds``; max 40 characters).
    ``start`` defaults to today; the due day is ``add_working_days(start,
    working_days)``, the responsible person is reminded one working day before it.
    ``amount`` and ``annual_rate`` (Decimal, e.g. ``Decimal("0.0612")``) let the
    accountability record show the interest lost through the delay. ``link`` is shown
    in reminders; it defaults to ``target.get_absolute_url()`` when that exists.
    Only one open deadline per (target, kind): opening a second raises
    ``DeadlineError``. Returns the ``Deadline``.

``deadline_stop(*, target, kind=None, reason, on=None, actor=None)``
    Stop the clock of the open deadline(s) of ``target`` (of one ``kind`` or all).
    ``on`` (default today) is the day the work was done; if it is after the due day
    the next sweep records the final lateness. Returns the number stopped (0 when
    nothing was open — safe to call twice).

``deadline_open_many(*, items, actor=None)``
    The set-based twin of ``deadline_open`` for bulk steps (e.g. a rating day moving
    500 applications): ``items`` is an iterable of ``DeadlineSpec`` (the keyword
    arguments of ``deadline_open`` except ``actor``). Same due, reminder and late days
    (counted once per distinct start and time limit), same checks — every item is
    checked before anything is written, and a target that already has an open
    deadline of that kind (or appears twice) raises ``DeadlineError`` — and one audit
    row per deadline. A handful of statements whatever the number of items. Returns
    the ``Deadline`` rows in the order of ``items``.

``deadline_stop_many(*, targets, kind=None, reason, on=None, actor=None)``
    The set-based twin of ``deadline_stop``: stops the open deadline(s) of every
    target in ``targets`` (of one ``kind`` or all). ``reason`` is a string, or a
    callable ``reason(target) -> str`` when the reason differs per target. Same
    checks, settling and audit rows as the single version; three statements whatever
    the number of targets. Returns the number stopped (targets with nothing open are
    ignored, so it is safe to call twice).

``deadline_reassign(*, target, kind, responsible, actor=None, reason="", on=None)``
    Hand an open deadline to another person. Lateness already incurred stays with
    the previous person; the new person is accountable only for working days late
    after ``on`` (default today). Raises ``DeadlineError`` when nothing is open.

Call them inside your own service's transaction; they lock the rows they change.

What stops each kind's clock is declared up front when its app registers the kind
(``kinds.register_kind`` in ``AppConfig.ready``, shown as 停表条件 beside every deadline):
a workflow calls ``deadline_stop`` exactly when that event happens, and its ``reason``
says which way it went.

The periodic sweep (``sweep.deadline_sweep``) reminds, escalates and records
accountability with set-based SQL; see its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Case, ExpressionWrapper, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop import workdays
from creditcoop.audit import audit_record, audit_row, snapshot
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Staff
from creditcoop.notify import notify

from .accountability import hold_accountable, late_days_between
from .kinds import kind_label
from .models import Deadline


class DeadlineError(DomainError):
    """A deadline cannot be opened, stopped or handed over as asked."""


def _target_key(target):
    if target.pk is None:
        raise DeadlineError(_("对象尚未保存，不能设定时限。"))
    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return ct, target.pk


@dataclass(frozen=True, kw_only=True)
class DeadlineSpec:
    """One deadline to open with ``deadline_open_many`` (``deadline_open``'s arguments)."""

    target: models.Model
    kind: str
    responsible: Staff | None
    cooperative: object  # a Cooperative or its id
    working_days: int
    start: date | None = None
    amount: Decimal | None = None
    annual_rate: Decimal | None = None
    title: str = ""
    link: str = ""
    loan_type: object = None


def _deadline_days(start: date, working_days: int, cache: dict) -> tuple[date, date, date]:
    """(due, remind, late) days, counted once per distinct (start, working days)."""
    key = (start, working_days)
    if key not in cache:
        due = workdays.add_working_days(start, working_days)
        cache[key] = (due, workdays.add_working_days(due, -1), workdays.next_workday(due))
    return cache[key]


def _targets_q(keys: Iterable[tuple]) -> Q:
    """(content type, object id) pairs as one filter: object_id IN (…) per content type."""
    by_type: dict = {}
    for ct_id, object_id in keys:
        by_type.setdefault(ct_id, set()).add(object_id)
    q = Q(pk__in=[])
    for ct_id, ids in by_type.items():
        q |= Q(content_type_id=ct_id, object_id__in=ids)
    return q


def deadline_open_many(*, items: Iterable[DeadlineSpec], actor: Staff | None = None):
    items = list(items)
    if not items:
        return []
    today = timezone.localdate()
    days: dict = {}
    rows, seen = [], set()
    for item in items:
        if item.working_days < 1:
            raise DeadlineError(_("办结时限至少为 1 个工作日。"))
        if item.responsible is None:
            raise DeadlineError(_("时限必须指定责任人。"))
        ct, object_id = _target_key(item.target)
        if (ct.pk, object_id, item.kind) in seen:
            raise DeadlineError(_("该事项已有未办结的同类时限。"))
        seen.add((ct.pk, object_id, item.kind))
        start = item.start or today
        due, remind, late = _deadline_days(start, item.working_days, days)
        link = item.link
        if not link and hasattr(item.target, "get_absolute_url"):
            link = item.target.get_absolute_url()
        rows.append(
            Deadline(
                content_type=ct,
                object_id=object_id,
                kind=item.kind,
                title=f"{kind_label(item.kind)}：{item.title or item.target}"[:200],
                link=link[:300],
                cooperative_id=getattr(item.cooperative, "pk", item.cooperative),
                responsible=item.responsible,
                loan_type=item.loan_type,
                started_on=start,
                working_days=item.working_days,
                due_on=due,
                remind_on=remind,
                late_on=late,
                late_from=due,
                amount=item.amount,
                annual_rate=item.annual_rate,
            )
        )
    with transaction.atomic():
        open_now = (
            Deadline.objects.select_for_update()
            .filter(
                _targets_q((r.content_type_id, r.object_id) for r in rows),
                kind__in={r.kind for r in rows},
                stopped_at__isnull=True,
            )
            .values_list("content_type_id", "object_id", "kind")
        )
        if seen & set(open_now):
            raise DeadlineError(_("该事项已有未办结的同类时限。"))
        try:
            with transaction.atomic():
                Deadline.objects.bulk_create(rows)
        except IntegrityError as e:
            # Opened by someone else since the check above (the one-open-per-kind index).
            raise DeadlineError(_("该事项已有未办结的同类时限。")) from e
        AuditLog.objects.bulk_create(
            audit_row(
                actor=actor,
                action="servicehall.deadline_open",
                obj=d,
                changes=snapshot(d, ["kind", "started_on", "working_days", "due_on"])
                | {"responsible": d.responsible.name},
                cooperative_id=d.cooperative_id,
            )
            for d in rows
        )
    return rows


def deadline_stop_many(
    *,
    targets: Iterable,
    kind: str | None = None,
    reason: str | Callable[[models.Model], str],
    on: date | None = None,
    actor: Staff | None = None,
) -> int:
    by_key = {}
    for t in targets:
        ct, object_id = _target_key(t)
        by_key[(ct.pk, object_id)] = t
    if not by_key:
        return 0
    on = on or timezone.localdate()
    with transaction.atomic():
        qs = Deadline.objects.select_for_update().filter(
            _targets_q(by_key), stopped_at__isnull=True
        )
        if kind:
            qs = qs.filter(kind=kind)
        running = list(qs.order_by("id"))
        if not running:
            return 0
        if any(on < d.started_on for d in running):
            raise DeadlineError(_("办结日期不能早于起算日。"))
        now = timezone.now()
        reasons = {}
        for d in running:
            target = by_key[(d.content_type_id, d.object_id)]
            text = reason(target) if callable(reason) else reason
            reasons[d.pk] = text
            d.stopped_at, d.stopped_on, d.stop_reason = now, on, text[:200]
            # Stopped on time: nothing left for the sweep to count.
            d.settled = on <= d.late_from
        # One WHEN per distinct reason (usually one or two), not one per row.
        by_reason: dict[str, list[int]] = {}
        for pk, text in reasons.items():
            by_reason.setdefault(text[:200], []).append(pk)
        if len(by_reason) == 1:
            stop_reason = Value(next(iter(by_reason)))
        else:
            stop_reason = Case(
                *(When(pk__in=pks, then=Value(text)) for text, pks in by_reason.items()),
                output_field=models.CharField(),
            )
        Deadline.objects.filter(pk__in=reasons).update(
            stopped_at=now,
            stopped_on=on,
            stop_reason=stop_reason,
            settled=ExpressionWrapper(Q(late_from__gte=on), output_field=models.BooleanField()),
        )
        AuditLog.objects.bulk_create(
            audit_row(
                actor=actor,
                action="servicehall.deadline_stop",
                obj=d,
                changes={"stopped_on": on.isoformat(), "reason": reasons[d.pk]},
                cooperative_id=d.cooperative_id,
            )
            for d in running
        )
    return len(running)


def deadline_open(
    *,
    target,
    kind: str,
    responsible: Staff,
    cooperative,
    working_days: int,
    start: date | None = None,
    amount: Decimal | None = None,
    annual_rate: Decimal | None = None,
    title: str = "",
    link: str = "",
    loan_type=None,
    actor: Staff | None = None,
) -> Deadline:
    """Start one clock: ``deadline_open_many`` with a single item."""
    [deadline] = deadline_open_many(
        items=[
            DeadlineSpec(
                target=target,
                kind=kind,
                responsible=responsible,
                cooperative=cooperative,
                working_days=working_days,
                start=start,
                amount=amount,
                annual_rate=annual_rate,
                title=title,
                link=link,
                loan_type=loan_type,
            )
        ],
        actor=actor,
    )
    return deadline


def deadline_stop(*, target, kind: str | None = None, reason: str, on=None, actor=None) -> int:
    """Stop the open clock(s) of one target: ``deadline_stop_many`` with a single target."""
    return deadline_stop_many(targets=[target], kind=kind, reason=reason, on=on, actor=actor)


def deadline_reassign(
    *, target, kind: str, responsible: Staff, actor=None, reason: str = "", on=None
) -> Deadline:
    ct, object_id = _target_key(target)
    on = on or timezone.localdate()
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update()
            .filter(content_type=ct, object_id=object_id, kind=kind, stopped_at__isnull=True)
            .first()
        )
        if deadline is None:
            raise DeadlineError(_("没有未办结的该类时限，无法移交。"))
        before = deadline.responsible
        if before.pk == responsible.pk:
            return deadline
        # Lateness so far belongs to the person handing over; record it now, the sweep
        # only follows the current responsible person from here on.
        hold_accountable(
            deadline=deadline,
            person=before,
            late_days=late_days_between(deadline.late_from, min(on, timezone.localdate())),
        )
        deadline.responsible = responsible
        deadline.late_from = max(deadline.late_from, on)
        if on < deadline.due_on:
            deadline.reminded_at = None  # the new person gets their own reminder
        deadline.save(update_fields=["responsible", "late_from", "reminded_at"])
        audit_record(
            actor=actor,
            action="servicehall.deadline_reassign",
            obj=deadline,
            changes={"responsible": [before.name, responsible.name], "reason": reason},
        )
        transaction.on_commit(
            lambda: notify(
                recipient=responsible,
                text=_("您接手了限时事项：%(title)s，到期日 %(due)s。")
                % {"title": deadline.title, "due": deadline.due_on.isoformat()},
                link=deadline.link,
            )
        )
    return deadline
