"""The set-based twins of deadline_open / deadline_stop used by bulk steps."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creditcoop import workdays
from creditcoop.deadlines import engine
from creditcoop.deadlines.engine import DeadlineSpec
from creditcoop.deadlines.models import Deadline
from creditcoop.models import AuditLog
from villages.models import VillageGroup

pytestmark = pytest.mark.django_db

# Spring Festival 2026: 16–23 February off, Saturdays 14 and 28 February worked.
STARTS = [date(2026, 2, 12), date(2026, 2, 13), date(2026, 2, 24), date(2026, 3, 2)]
COMPARED = ["kind", "title", "link", "started_on", "working_days", "due_on", "remind_on"]
COMPARED += ["late_on", "late_from", "amount", "annual_rate", "responsible_id", "cooperative_id"]


@pytest.fixture
def groups(org):
    """groups(n) → n saved village groups to hang deadlines on."""
    counter = iter(range(100, 100_000))

    def make(n):
        return VillageGroup.objects.bulk_create(
            VillageGroup(village=org.village_a1, number=k, name=f"组{k}")
            for k in (next(counter) for _i in range(n))
        )

    return make


def spec(org, target, i, **kw):
    return DeadlineSpec(
        target=target,
        kind=kw.pop("kind", "rating"),
        responsible=org.officer1 if i % 2 else org.officer2,
        cooperative=org.coop_a,
        working_days=1 + i % 4,
        start=STARTS[i % len(STARTS)],
        amount=Decimal("30000.00"),
        annual_rate=Decimal("0.0612"),
        title=f"第{i}户",
        **kw,
    )


def fields(deadline):
    return {f: getattr(deadline, f) for f in COMPARED}


def audits(action, deadlines):
    logs = AuditLog.objects.filter(
        action=action, object_id__in=[str(d.pk) for d in deadlines]
    ).order_by("id")
    return [(log.actor_id, log.cooperative_id, log.object_repr, log.changes) for log in logs]


def test_open_many_writes_what_the_single_version_writes(org, groups):
    one_by_one, together = groups(8), groups(8)
    singles = [
        engine.deadline_open(**vars(spec(org, t, i)), actor=org.director)
        for i, t in enumerate(one_by_one)
    ]
    bulk = engine.deadline_open_many(
        items=[spec(org, t, i) for i, t in enumerate(together)], actor=org.director
    )
    assert [fields(d) for d in bulk] == [fields(d) for d in singles]
    assert [
        fields(d) for d in Deadline.objects.filter(pk__in=[d.pk for d in bulk]).order_by("id")
    ] == [fields(d) for d in bulk]
    # Fri 13 Feb + 2 working days: make-up Sat 14, then Tue 24 after the holidays.
    assert (bulk[1].due_on, bulk[1].remind_on, bulk[1].late_on) == (
        date(2026, 2, 24),
        date(2026, 2, 14),
        date(2026, 2, 25),
    )
    single_audit = [(a, c, r, ch) for a, c, r, ch in audits("servicehall.deadline_open", singles)]
    bulk_audit = audits("servicehall.deadline_open", bulk)
    assert len(bulk_audit) == 8 and bulk_audit == single_audit
    assert bulk_audit[0][0] == org.director.pk and bulk_audit[0][1] == org.coop_a.pk


def test_open_many_refuses_a_second_open_clock_and_writes_nothing(org, groups):
    targets = groups(3)
    engine.deadline_open(**vars(spec(org, targets[1], 1)))
    before = Deadline.objects.count(), AuditLog.objects.count()
    with pytest.raises(engine.DeadlineError, match="已有未办结的同类时限"):
        engine.deadline_open_many(items=[spec(org, t, i) for i, t in enumerate(targets)])
    with pytest.raises(engine.DeadlineError, match="已有未办结的同类时限"):
        engine.deadline_open_many(items=[spec(org, targets[0], 0), spec(org, targets[0], 2)])
    with pytest.raises(engine.DeadlineError, match="责任人"):
        engine.deadline_open_many(
            items=[
                spec(org, targets[0], 0),
                DeadlineSpec(
                    target=targets[2],
                    kind="rating",
                    responsible=None,
                    cooperative=org.coop_a,
                    working_days=2,
                ),
            ]
        )
    assert (Deadline.objects.count(), AuditLog.objects.count()) == before
    # Another kind on the same target is a separate clock.
    opened = engine.deadline_open_many(items=[spec(org, targets[1], 1, kind="rating_review")])
    assert opened[0].kind == "rating_review"


def test_stop_many_settles_and_audits_like_the_single_version(org, groups):
    one_by_one, together = groups(4), groups(4)
    items = [spec(org, t, i) for i, t in enumerate(one_by_one + together)]
    engine.deadline_open_many(items=items)
    stop_on = date(2026, 3, 4)  # after some due days (late), before others (on time)

    for t in one_by_one:
        assert engine.deadline_stop(target=t, reason="已转入下一环节", on=stop_on) == 1
    assert (
        engine.deadline_stop_many(
            targets=together, kind="rating", reason="已转入下一环节", on=stop_on, actor=org.officer1
        )
        == 4
    )
    single = list(Deadline.objects.filter(object_id__in=[t.pk for t in one_by_one]).order_by("id"))
    bulk = list(Deadline.objects.filter(object_id__in=[t.pk for t in together]).order_by("id"))

    def stop_fields(d):
        return (d.stopped_on, d.stop_reason, d.settled, d.stopped_at is not None)

    assert [stop_fields(d) for d in bulk] == [stop_fields(d) for d in single]
    assert {d.settled for d in bulk} == {True, False}  # both cases are covered
    assert [(c, ch) for _a, c, _r, ch in audits("servicehall.deadline_stop", bulk)] == [
        (c, ch) for _a, c, _r, ch in audits("servicehall.deadline_stop", single)
    ]
    assert [r for _a, _c, r, _ch in audits("servicehall.deadline_stop", bulk)] == [
        str(d) for d in bulk
    ]
    assert audits("servicehall.deadline_stop", bulk)[0][0] == org.officer1.pk
    # Nothing left running: a second call stops nothing.
    assert engine.deadline_stop_many(targets=together, reason="再次", on=stop_on) == 0


def test_stop_many_takes_a_reason_per_target_and_checks_the_day(org, groups):
    targets = groups(3)
    engine.deadline_open_many(items=[spec(org, t, 3) for t in targets])  # start 2 March
    with pytest.raises(engine.DeadlineError, match="不能早于起算日"):
        engine.deadline_stop_many(targets=targets, reason="x", on=date(2026, 2, 27))
    assert not Deadline.objects.filter(
        object_id__in=[t.pk for t in targets], stopped_at__isnull=False
    )
    reasons = {t.pk: f"未通过：第{n}户" for n, t in enumerate(targets)}
    stopped = engine.deadline_stop_many(
        targets=targets[:2], reason=lambda t: reasons[t.pk], on=date(2026, 3, 3)
    )
    assert stopped == 2
    rows = Deadline.objects.filter(object_id__in=[t.pk for t in targets]).order_by("object_id")
    assert [d.stop_reason for d in rows] == ["未通过：第0户", "未通过：第1户", ""]
    assert rows[2].stopped_at is None


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


@pytest.mark.parametrize("n", [5, 50])
def test_bulk_engine_calls_cost_the_same_few_queries_for_5_and_50_targets(
    org, groups, n, django_assert_max_num_queries
):
    workdays.is_workday(date(2026, 3, 2))  # the calendar cache is loaded once per minute
    warm = groups(2)
    engine.deadline_open_many(items=[spec(org, t, i) for i, t in enumerate(warm)])
    targets = groups(n)
    items = [spec(org, t, i) for i, t in enumerate(targets)]
    # A savepoint around the whole call and one around the insert, the check, two inserts.
    with django_assert_max_num_queries(7):
        opened = engine.deadline_open_many(items=items, actor=org.officer1)
    assert (
        len(opened) == n
        and Deadline.objects.filter(object_id__in=[t.pk for t in targets]).count() == n
    )
    assert (
        AuditLog.objects.filter(
            action="servicehall.deadline_open", object_id__in=[str(d.pk) for d in opened]
        ).count()
        == n
    )
    # A savepoint around the whole call, the locking read, one UPDATE, one INSERT.
    with django_assert_max_num_queries(5):
        assert engine.deadline_stop_many(targets=targets, reason="完成", on=date(2026, 3, 9)) == n


def test_bulk_query_count_does_not_grow_with_the_number_of_targets(org, groups):
    workdays.is_workday(date(2026, 3, 2))
    engine.deadline_open_many(items=[spec(org, t, 0) for t in groups(2)])
    counts = []
    for n in (5, 50):
        targets = groups(n)
        items = [spec(org, t, i) for i, t in enumerate(targets)]
        opened = _queries(lambda items=items: engine.deadline_open_many(items=items))
        stopped = _queries(
            lambda targets=targets: engine.deadline_stop_many(
                targets=targets, reason=lambda target: f"完成{target.pk}", on=date(2026, 3, 9)
            )
        )
        counts.append((opened, stopped))
    assert counts[0] == counts[1]
