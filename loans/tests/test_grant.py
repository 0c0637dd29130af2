import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from loans import services
from loans.models import CommitteeIncentive, CreditContract, LoanCertificate, LoanSettings
from loans.services import GrantTerms, LoanError
from loans.services import grant as grant_services
from loans.tests import factories as lf
from ratings.models import CreditApplication
from ratings.notices.tests.helpers import notice_passed_for
from ratings.tests.factories import application
from villages.models import BadCreditRecord

pytestmark = pytest.mark.django_db


def _grant_village(org, present=None, **kw):
    apps = list(services.grantable_applications(org.village_a1))
    return services.village_credit_grant(
        village=org.village_a1,
        actor=kw.pop("actor", org.officer1),
        officer=org.officer1,
        signed_on=timezone.localdate(),
        terms=lf.TERMS,
        present_ids=[a.pk for a in apps] if present is None else present,
        idempotency_key=kw.pop("key", uuid.uuid4()),
    )


def test_concentrated_granting_goes_through_the_gate_and_reports_refusals(org):
    passed = [lf.passed_application(org) for _ in range(2)]
    running = application(org, status=CreditApplication.Status.LINE_SET)
    notice_passed_for(application=running, actor=org.officer1, days_ago=3)  # still running
    never = application(org, status=CreditApplication.Status.LINE_SET)  # never posted
    absent = lf.passed_application(org)
    black = lf.passed_application(org)
    BadCreditRecord.objects.create(
        id_number=black.applicant.id_number, name=black.applicant.name, kind="blacklist"
    )
    present = [a.pk for a in (*passed, running, never, black)]
    batch = _grant_village(org, present=present)
    assert batch.granted_count == 2
    assert batch.granted_total == sum(a.final_line for a in passed)
    reasons = {r["application"]: r["reason"] for r in batch.refusals}
    assert set(reasons) == {running.pk, never.pk, absent.pk, black.pk}
    assert "公示期" in reasons[running.pk]
    assert "尚未张榜公示" in reasons[never.pk]
    assert "未到场" in reasons[absent.pk]
    assert "黑名单" in reasons[black.pk]
    for app in passed:
        c = CreditContract.objects.get(application=app)
        assert c.batch == batch and c.borrower_present and c.signed_by == org.officer1
        assert c.line == app.final_line and c.term_months == 24
        assert c.end_date == date(c.start_date.year + 2, c.start_date.month, c.start_date.day)
        assert c.lpr_rate == Decimal("0.031000") and c.basis_points == 125
        assert c.annual_rate == Decimal("0.043500")
        assert c.certificate.status == "active"


def test_same_form_twice_grants_once(org):
    lf.passed_application(org)
    key = uuid.uuid4()
    a = _grant_village(org, key=key)
    b = _grant_village(org, key=key)
    assert a.pk == b.pk and CreditContract.objects.count() == 1


def test_second_run_finds_nothing_left_to_grant(org):
    lf.passed_application(org)
    _grant_village(org)
    batch = _grant_village(org)
    assert batch.granted_count == 0 and CreditContract.objects.count() == 1


def test_single_grant_needs_guarantors_where_required_and_face_to_face(org):
    app = lf.passed_application(org)
    kwargs = dict(
        application=app, actor=org.director, officer=org.officer1, signed_on=timezone.localdate()
    )
    with pytest.raises(LoanError, match="保证人"):
        services.credit_grant(
            borrower_present=True,
            terms=GrantTerms(lpr_rate=lf.LPR, basis_points=100, guarantee_type="guarantee"),
            **kwargs,
        )
    with pytest.raises(LoanError, match="当面签订"):
        services.credit_grant(borrower_present=False, terms=lf.TERMS, **kwargs)
    c = services.credit_grant(
        borrower_present=True,
        terms=GrantTerms(
            rate_kind="fixed",
            fixed_rate=Decimal("0.0560"),
            guarantee_type="guarantee",
            guarantors="李四 110101199003070012",
        ),
        **kwargs,
    )
    assert c.annual_rate == Decimal("0.056000") and c.lpr_rate is None
    assert c.guarantors.startswith("李四")


def test_grade3_officer_may_not_sign_and_other_villages_officer_may_not_grant(org):
    app = lf.passed_application(org)
    with pytest.raises(LoanError, match="面签信贷员"):
        services.credit_grant(
            application=app,
            actor=org.director,
            officer=org.officer3,
            signed_on=timezone.localdate(),
            borrower_present=True,
            terms=lf.TERMS,
        )
    with pytest.raises(LoanError, match="无权"):
        services.credit_grant(
            application=app,
            actor=org.officer2,
            officer=org.officer1,
            signed_on=timezone.localdate(),
            borrower_present=True,
            terms=lf.TERMS,
        )


def test_database_refuses_contracts_breaking_the_rules(org):
    c = lf.contract(org)
    for change in (
        {"term_months": 25},
        {"rate_kind": "lpr", "lpr_rate": None},
        {"outstanding": c.line + 1},
        {"borrower_present": False},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            CreditContract.objects.filter(pk=c.pk).update(**change)


def test_database_requires_guarantors_and_collateral_where_the_guarantee_needs_them(org):
    c = lf.contract(org)
    for kind in ("guarantee", "joint"):
        with pytest.raises(IntegrityError, match="contract_guarantors_where_required"):
            with transaction.atomic():
                CreditContract.objects.filter(pk=c.pk).update(guarantee_type=kind, guarantors="")
    for kind in ("mortgage", "pledge"):
        with pytest.raises(IntegrityError, match="contract_collateral_where_required"):
            with transaction.atomic():
                CreditContract.objects.filter(pk=c.pk).update(guarantee_type=kind, collateral="")
    CreditContract.objects.filter(pk=c.pk).update(guarantee_type="pledge", collateral="定期存单")


def test_single_grant_needs_collateral_for_mortgage_and_pledge(org):
    app = lf.passed_application(org)
    kwargs = dict(
        application=app,
        actor=org.director,
        officer=org.officer1,
        signed_on=timezone.localdate(),
        borrower_present=True,
    )
    for kind in ("mortgage", "pledge"):
        with pytest.raises(LoanError, match="抵（质）押物"):
            services.credit_grant(
                terms=GrantTerms(lpr_rate=lf.LPR, basis_points=125, guarantee_type=kind),
                **kwargs,
            )
    assert not CreditContract.objects.exists()
    c = services.credit_grant(
        terms=GrantTerms(
            lpr_rate=lf.LPR, basis_points=125, guarantee_type="mortgage", collateral=" 住房一套 "
        ),
        **kwargs,
    )
    assert (c.guarantee_type, c.collateral, c.guarantors) == ("mortgage", "住房一套", "")


def test_contract_and_certificate_numbers_are_unique_in_the_database(org):
    a, b = lf.contract(org), lf.contract(org)
    assert a.number != b.number and a.certificate.number != b.certificate.number
    with pytest.raises(IntegrityError, match="loans_creditcontract_number_key"):
        with transaction.atomic():
            CreditContract.objects.filter(pk=b.pk).update(number=a.number)
    with pytest.raises(IntegrityError, match="loans_loancertificate_number_key"):
        with transaction.atomic():
            LoanCertificate.objects.filter(pk=b.certificate.pk).update(number=a.certificate.number)


def test_one_active_certificate_per_household_and_incentive_on_first_only(org):
    s = LoanSettings.current()
    s.committee_incentive = Decimal("8.00")
    s.save()
    first = lf.contract(org, signed_on=date(2024, 1, 10), today=date(2024, 1, 10))
    old_cert = first.certificate
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanCertificate.objects.create(
            number="X1",
            contract=first,
            household=first.household,
            holder=first.borrower,
            issued_on=date(2024, 1, 10),
            issued_by=org.director,
        )
    # Two years later the line has expired and is repaid: a new rating, a new contract.
    app2 = lf.passed_application(org, h=first.household)
    second = lf.contract(org, app=app2)
    old_cert.refresh_from_db()
    first.refresh_from_db()
    assert old_cert.status == "revoked" and first.status == "closed"
    assert second.certificate.status == "active"
    incentives = CommitteeIncentive.objects.filter(household=first.household)
    assert incentives.count() == 1
    assert incentives.get().committee_amount == Decimal("8.00")
    assert incentives.get().assistant_amount == Decimal("5.00")


def test_household_with_running_contract_is_not_granted_again(org):
    first = lf.contract(org)
    app2 = application(org, status=CreditApplication.Status.LINE_SET, h=first.household)
    notice_passed_for(application=app2, actor=org.officer1)
    with pytest.raises(LoanError, match="到期结清前不重复授信"):
        lf.contract(org, app=app2)


def test_signed_date_cannot_be_in_future(org):
    app = lf.passed_application(org)
    with pytest.raises(LoanError, match="晚于今天"):
        services.credit_grant(
            application=app,
            actor=org.director,
            officer=org.officer1,
            signed_on=timezone.localdate() + timedelta(days=1),
            borrower_present=True,
            terms=lf.TERMS,
        )


def test_a_concurrent_grant_for_the_household_is_reported_as_such(org, monkeypatch):
    """Two grants for one household racing past the check: the database's one-active-
    contract index refuses the second, and the officer is told so."""
    first = lf.contract(org)
    app2 = lf.passed_application(org, h=first.household)
    monkeypatch.setattr(grant_services, "_close_expired_contract", lambda *a, **kw: None)
    with pytest.raises(LoanError, match="^该户已有有效授信合同，不能重复授信。$"):
        lf.contract(org, app=app2)
    assert CreditContract.objects.filter(household=first.household).count() == 1


def test_other_database_refusals_are_not_reported_as_a_second_contract(org):
    from django.db import connection

    first = lf.contract(org)
    # The number sequence was reset (say, by a bad restore): the next number is taken.
    with connection.cursor() as cur:
        cur.execute("SELECT setval('loans_contract_seq', %s, false)", [int(first.number[-6:])])
    app = lf.passed_application(org)
    with pytest.raises(LoanError) as exc:
        lf.contract(org, app=app)
    assert f"合同编号 {first.number} 已被占用" in exc.value.message
    assert "有效授信合同" not in exc.value.message
    assert not CreditContract.objects.filter(application=app).exists()
    assert not LoanCertificate.objects.filter(household=app.household).exists()
    # Any other refusal names what the database refused instead of guessing.
    message = grant_services._contract_save_error(IntegrityError("check failed"), first)
    assert "不符合数据规则（未知约束）" in message and "有效授信合同" not in message


def _sign(org, app, signed_on):
    return services.credit_grant(
        application=app,
        actor=org.director,
        officer=app.village.officer,
        signed_on=signed_on,
        borrower_present=True,
        terms=lf.TERMS,
    )


def test_contract_may_not_be_dated_inside_its_notice_period(org):
    """Posted 10 days ago for 7 days: the day before posting and the fourth day of the notice
    are refused as signing (and start) dates; the day after the notice ended is accepted."""
    app = lf.passed_application(org)
    batch = app.notice_entries.get().batch
    for early in (batch.start_date - timedelta(days=1), batch.start_date + timedelta(days=3)):
        with pytest.raises(LoanError, match="早于公示期满"):
            _sign(org, app, early)
        assert not CreditContract.objects.filter(application=app).exists()
    contract = _sign(org, app, batch.end_date + timedelta(days=1))
    assert contract.signed_on == contract.start_date == batch.end_date + timedelta(days=1)


def test_contract_may_not_be_dated_before_its_last_objection_was_closed(org):
    from ratings.notices import services as notices
    from ratings.notices.models import Objection

    app = application(org, status=CreditApplication.Status.LINE_SET)
    batch = notice_passed_for(application=app, actor=org.officer1, days_ago=20)
    objection = notices.objection_file(
        batch=batch,
        entry=batch.entries.get(),
        text="有外债",
        recorded_by=org.officer1,
        channel=Objection.Channel.PHONE,
    )
    notices.objection_investigate(objection=objection, actor=org.director, findings="不属实")
    notices.objection_decide(
        objection=objection,
        actor=org.director,
        outcome=Objection.Outcome.REJECTED,
        reply="经入户核实，情况不属实",
    )
    with pytest.raises(LoanError, match="早于公示期满、异议办结之日"):
        _sign(org, app, timezone.localdate() - timedelta(days=1))
    assert _sign(org, app, timezone.localdate()).signed_on == timezone.localdate()


def test_bad_credit_entered_with_full_width_digits_still_blocks_the_grant(org):
    from villages.credit import bad_records_for

    app = lf.passed_application(org)
    id_number = app.applicant.id_number
    full = id_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    record = BadCreditRecord(id_number=full, name=app.applicant.name, kind="blacklist")
    record.full_clean()
    record.save()
    assert record.id_number == id_number
    assert list(bad_records_for(id_numbers=[full])) == [record]
    with pytest.raises(LoanError):
        lf.contract(org, app=app)
    assert not CreditContract.objects.filter(application=app).exists()
