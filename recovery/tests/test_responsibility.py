"""Responsibility (主责任人制): splits to the fen under both policies, deductions, the
per-officer escalation and its decision, every refusal saving nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from creditcoop.models import AuditLog, Notification
from recovery import services
from recovery.models import (
    LossAssessment,
    OfficerEscalation,
    RecoveryPolicy,
    ResponsibilityDeduction,
    ResponsibilityShare,
    ResponsiblePerson,
)
from recovery.services import RecoveryError

from .helpers import npl
from .helpers_responsibility import Post, three_posts

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 3, 10)


def shares_by_name(assessment):
    return {
        (s.person.display_name, s.part): s.amount
        for s in assessment.shares.select_related("person__staff")
    }


def assess(org, record, **kw):
    kw.setdefault("above_authority", False)
    kw.setdefault("authority_evidence", "本社审批权限表第3条")
    return services.loss_assess(actor=org.director, record=record, today=TODAY, **kw)


@pytest.mark.parametrize(
    "loss, officer, other",
    [
        (D("10000.01"), D("8000.01"), D("1000.00")),
        (D("33333.33"), D("26666.67"), D("3333.33")),
        (D("0.05"), D("0.05"), D("0.00")),
    ],
)
def test_within_authority_80_10_10_to_the_fen(org, loss, officer, other):
    record = npl(org.village_a1, principal_owed=loss, interest_owed=D("0"))
    three_posts(org, record)
    a = assess(org, record)
    got = shares_by_name(a)
    assert a.loss_amount == loss and a.policy == LossAssessment.Policy.WITHIN
    assert got[("郑信贷", "officer")] == officer
    assert got[("吴副主任", "deputy")] == other
    assert got[("周主任", "director")] == other
    assert sum(got.values()) == loss
    assert a.main_staff == org.officer1


def test_default_loss_is_principal_plus_interest_and_a_changed_amount_needs_a_reason(org):
    record = npl(org.village_a1, principal_owed=D("15000.00"), interest_owed=D("1200.50"))
    three_posts(org, record)
    with pytest.raises(RecoveryError, match="请写明原因"):
        assess(org, record, loss_amount=D("9000"))
    assert not LossAssessment.objects.exists()
    assert assess(org, record).loss_amount == D("16200.50")
    a = assess(org, record, loss_amount=D("9000"), amount_reason="抵押物处置后剩余损失")
    assert a.loss_amount == D("9000.00") and a.default_amount == D("16200.50")
    assert sum(shares_by_name(a).values()) == D("9000.00")


def test_above_authority_70_with_5_5_and_10_10_parts(org):
    record = npl(org.village_a1, principal_owed=D("33333.33"), interest_owed=D("0"))
    three_posts(org, record)
    services.responsible_person_add(
        actor=org.director, record=record, post=Post.REVIEW, is_main=False, name="原审查员甲"
    )
    services.responsible_person_add(
        actor=org.director, record=record, post=Post.APPROVAL, is_main=False, staff=org.union_risk
    )
    a = assess(org, record, above_authority=True, authority_evidence="联社审批意见2003-12号")
    got = shares_by_name(a)
    assert a.policy == LossAssessment.Policy.ABOVE
    assert got == {
        ("郑信贷", "officer"): D("23333.35"),  # 70% = 23333.331 + the fen left over
        ("吴副主任", "review_main"): D("1666.66"),
        ("原审查员甲", "review_other"): D("1666.66"),
        ("周主任", "approval_main"): D("3333.33"),
        ("沈风险", "approval_other"): D("3333.33"),
    }
    assert sum(got.values()) == D("33333.33")


def test_above_authority_other_part_split_among_several_and_main_alone_takes_the_post(org):
    record = npl(org.village_a1, principal_owed=D("10000.01"), interest_owed=D("0"))
    three_posts(org, record)
    for name in ("审批乙", "审批丙", "审批丁"):
        services.responsible_person_add(
            actor=org.director, record=record, post=Post.APPROVAL, is_main=False, name=name
        )
    a = assess(org, record, above_authority=True)
    got = shares_by_name(a)
    # Review has no other person: its main person answers for the whole 10%.
    assert got[("吴副主任", "review_main")] == D("1000.00")
    # The other approvers' 10% in three: 333.3343… each, rounded down.
    assert got[("审批乙", "approval_other")] == D("333.33")
    assert got[("周主任", "approval_main")] == D("1000.00")
    assert got[("郑信贷", "officer")] == D("7000.02")
    assert sum(got.values()) == D("10000.01")


@pytest.mark.parametrize(
    "drawn_on, policy", [(date(2004, 5, 31), "within"), (date(2004, 6, 1), "full")]
)
def test_full_compensation_from_the_cut_off_day_itself(org, drawn_on, policy):
    RecoveryPolicy.objects.update_or_create(
        union=org.union, defaults={"responsibility_policy": "full_after"}
    )
    record = npl(
        org.village_a1, drawn_on=drawn_on, principal_owed=D("10000.01"), interest_owed=D("0")
    )
    three_posts(org, record)
    a = assess(org, record)
    got = shares_by_name(a)
    assert a.policy == policy
    if policy == "full":
        assert got == {("郑信贷", "full"): D("10000.01")}
        assert a.full_compensation_from == date(2004, 6, 1)
    else:
        assert got[("郑信贷", "officer")] == D("8000.01")
    assert sum(got.values()) == D("10000.01")


def test_shares_follow_the_policy_numbers(org):
    RecoveryPolicy.objects.update_or_create(
        union=org.union,
        defaults={
            "within_officer_pct": D("60"),
            "within_deputy_pct": D("20"),
            "within_director_pct": D("20"),
        },
    )
    record = npl(org.village_a1, principal_owed=D("100.00"), interest_owed=D("0"))
    three_posts(org, record)
    assert shares_by_name(assess(org, record))[("郑信贷", "officer")] == D("60.00")


def test_refusals_save_nothing(org):
    record = npl(org.village_a1, principal_owed=D("100.00"), interest_owed=D("0"))
    logs = AuditLog.objects.count()
    with pytest.raises(RecoveryError, match="调查岗"):
        assess(org, record)
    three_posts(org, record)
    logs = AuditLog.objects.count()
    with pytest.raises(RecoveryError, match="已有主要责任人"):
        services.responsible_person_add(
            actor=org.director, record=record, post=Post.REVIEW, name="某人"
        )
    with pytest.raises(RecoveryError, match="第一责任人须是调查岗"):
        services.responsible_person_add(
            actor=org.director,
            record=record,
            post=Post.REVIEW,
            is_main=False,
            is_first=True,
            name="某人",
        )
    with pytest.raises(RecoveryError, match="只有主任"):
        services.responsible_person_add(
            actor=org.officer1, record=record, post=Post.REVIEW, is_main=False, name="某人"
        )
    with pytest.raises(RecoveryError, match="依据"):
        assess(org, record, authority_evidence="")
    with pytest.raises(RecoveryError, match="只有主任"):
        services.loss_assess(
            actor=org.director_b, record=record, above_authority=False, authority_evidence="依据"
        )
    assert ResponsiblePerson.objects.count() == 3
    assert not LossAssessment.objects.exists()
    assert AuditLog.objects.count() == logs


def test_deductions_until_the_share_is_recovered_never_more(org):
    record = npl(org.village_a1, principal_owed=D("10000.01"), interest_owed=D("0"))
    three_posts(org, record)
    a = assess(org, record)
    deputy = a.shares.get(part="deputy")  # 1000.00
    services.deduction_record(
        actor=org.director, share=deputy, month=date(2026, 1, 1), amount=D("600"), today=TODAY
    )
    logs = AuditLog.objects.count()
    with pytest.raises(RecoveryError, match="尚未扣回的 400.00 元"):
        services.deduction_record(
            actor=org.director,
            share=deputy,
            month=date(2026, 2, 1),
            amount=D("400.01"),
            today=TODAY,
        )
    with pytest.raises(RecoveryError, match="该月已登记"):
        services.deduction_record(
            actor=org.director, share=deputy, month=date(2026, 1, 15), amount=D("1"), today=TODAY
        )
    with pytest.raises(RecoveryError, match="以后月份"):
        services.deduction_record(
            actor=org.director, share=deputy, month=date(2026, 4, 1), amount=D("1"), today=TODAY
        )
    deputy.refresh_from_db()
    assert deputy.recovered == D("600.00") and AuditLog.objects.count() == logs
    services.deduction_record(
        actor=org.director,
        share=deputy,
        month=date(2026, 2, 1),
        amount=D("400.00"),
        source="deposit",
        today=TODAY,
    )
    deputy.refresh_from_db()
    assert deputy.remaining == D("0.00")
    # The database refuses too, whatever writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponsibilityShare.objects.filter(pk=deputy.pk).update(recovered=D("1000.01"))
    # Once deductions started, the assessment and the persons are fixed.
    with pytest.raises(RecoveryError, match="已开始扣款"):
        assess(org, record)
    with pytest.raises(RecoveryError, match="已开始扣款"):
        services.responsible_person_add(
            actor=org.director, record=record, post=Post.REVIEW, is_main=False, name="某人"
        )


def test_force_majeure_suspends_deductions_until_the_date(org):
    record = npl(org.village_a1, principal_owed=D("100.00"), interest_owed=D("0"))
    three_posts(org, record)
    share = assess(org, record).shares.get(part="officer")
    with pytest.raises(RecoveryError, match="晚于今天"):
        services.force_majeure_extend(
            actor=org.director,
            record=record,
            reason="洪灾",
            evidence="乡政府证明",
            until=TODAY,
            today=TODAY,
        )
    services.force_majeure_extend(
        actor=org.director,
        record=record,
        reason="2026年洪灾绝收",
        evidence="乡政府受灾证明",
        until=date(2026, 6, 30),
        today=TODAY,
    )
    with pytest.raises(RecoveryError, match="延期至 2026-06-30"):
        services.deduction_record(
            actor=org.director, share=share, month=date(2026, 3, 1), amount=D("10"), today=TODAY
        )
    assert not ResponsibilityDeduction.objects.exists()
    services.deduction_record(
        actor=org.director,
        share=share,
        month=date(2026, 7, 1),
        amount=D("10"),
        today=date(2026, 7, 1),
    )
    assert ResponsibilityDeduction.objects.count() == 1


# --- escalation ----------------------------------------------------------------------------


def responsible_loan(org, number, *, officer=None, drawn_on=date(2010, 1, 1)):
    record = npl(
        org.village_a1,
        number=number,
        drawn_on=drawn_on,
        principal_owed=D("1000"),
        interest_owed=D("0"),
    )
    three_posts(org, record, officer=officer)
    assess(org, record)
    return record


def levels(officer):
    return dict(
        OfficerEscalation.objects.filter(officer=officer).values_list("level", "record_count")
    )


def test_escalation_levels_with_the_clock_and_a_second_run_writes_nothing(org):
    responsible_loan(org, "E-1")
    assert services.officer_escalation_sweep(today=TODAY)["opened"] == 1
    assert levels(org.officer1) == {1: 1}
    inbox = Notification.objects.filter(recipient=org.director)
    assert inbox.count() == 1 and "一笔" in inbox.get().text
    # Second run: nothing written, nothing sent.
    logs, notes = AuditLog.objects.count(), Notification.objects.count()
    assert services.officer_escalation_sweep(today=TODAY) == {"opened": 0, "updated": 0, "inbox": 0}
    assert (AuditLog.objects.count(), Notification.objects.count()) == (logs, notes)

    responsible_loan(org, "E-2")
    services.officer_escalation_sweep(today=TODAY)
    two = OfficerEscalation.objects.get(officer=org.officer1, level=2)
    assert two.clock_ends_on == date(2026, 6, 10)  # the policy's 3 months
    assert levels(org.officer1) == {1: 2, 2: 2}
    assert "停职清收" in Notification.objects.filter(recipient=org.director).latest("id").text
    # The clock runs out with both loans still unrecovered: flagged once, director told once.
    services.officer_escalation_sweep(today=date(2026, 6, 10))
    two.refresh_from_db()
    assert not two.clock_ran_out
    services.officer_escalation_sweep(today=date(2026, 6, 11))
    two.refresh_from_db()
    assert two.clock_ran_out
    notes = Notification.objects.count()
    services.officer_escalation_sweep(today=date(2026, 6, 12))
    assert Notification.objects.count() == notes

    responsible_loan(org, "E-3")
    services.officer_escalation_sweep(today=date(2026, 6, 12))
    three = OfficerEscalation.objects.get(officer=org.officer1, level=3)
    assert three.record_count == 3 and three.clock_ends_on is None
    assert "周主任" in three.demerits and "吴副主任" in three.demerits
    # Other officers are not counted with officer1.
    assert not OfficerEscalation.objects.filter(officer=org.officer2).exists()


def test_force_majeure_and_recovery_keep_a_loan_out_of_the_count(org):
    first = responsible_loan(org, "F-1")
    second = responsible_loan(org, "F-2")
    services.force_majeure_extend(
        actor=org.director,
        record=second,
        reason="地震",
        evidence="县政府文件",
        until=date(2026, 5, 1),
        today=TODAY,
    )
    services.officer_escalation_sweep(today=TODAY)
    assert levels(org.officer1) == {1: 1}
    services.officer_escalation_sweep(today=date(2026, 5, 2))
    assert levels(org.officer1) == {1: 2, 2: 2}
    first.status = "recovered"
    first.save(update_fields=["status"])
    services.officer_escalation_sweep(today=date(2026, 5, 3))
    assert levels(org.officer1) == {1: 1, 2: 1}
    # Under "full compensation" only loans drawn on or after the cut-off count.
    RecoveryPolicy.objects.filter(union=org.union).update(responsibility_policy="full_after")
    responsible_loan(org, "F-3", officer=org.officer2, drawn_on=date(2004, 5, 31))
    services.officer_escalation_sweep(today=date(2026, 5, 3))
    assert levels(org.officer2) == {}


def test_the_director_decides_confirm_or_waive_with_a_reason(org):
    responsible_loan(org, "G-1")
    services.officer_escalation_sweep(today=TODAY)
    e = OfficerEscalation.objects.get()
    with pytest.raises(RecoveryError, match="须写明理由"):
        services.escalation_decide(actor=org.director, escalation=e, decision="waive", text="")
    with pytest.raises(RecoveryError, match="只有主任"):
        services.escalation_decide(actor=org.officer1, escalation=e, decision="confirm")
    with pytest.raises(RecoveryError, match="只有主任"):
        services.escalation_decide(actor=org.director_b, escalation=e, decision="confirm")
    e.refresh_from_db()
    assert e.status == "open"
    services.escalation_decide(
        actor=org.director, escalation=e, decision="waive", text="借款人因病身故，已核实"
    )
    e.refresh_from_db()
    assert (e.status, e.decision, e.decided_by) == ("decided", "waive", org.director)
    assert AuditLog.objects.filter(action="recovery.escalation_decide").count() == 1
    with pytest.raises(RecoveryError, match="已处理"):
        services.escalation_decide(actor=org.director, escalation=e, decision="confirm")
    # A decided record is not reopened or recounted by the job.
    responsible_loan(org, "G-2")
    services.officer_escalation_sweep(today=TODAY)
    e.refresh_from_db()
    assert e.record_count == 1


def test_demo_seed_shows_shares_a_deduction_and_an_escalation_and_reruns(org):
    from recovery import demo
    from recovery.demo_responsibility import seed_responsibility

    demo.seed(today=TODAY)
    assert LossAssessment.objects.count() == 4
    for a in LossAssessment.objects.all():
        assert sum(a.shares.values_list("amount", flat=True)) == a.loss_amount
    assert ResponsibilityDeduction.objects.count() == 2
    assert OfficerEscalation.objects.filter(officer=org.officer1, level=2).exists()
    again = seed_responsibility(today=TODAY)
    assert again == {"assessed": 0, "deductions": 0, "escalations": 0}
