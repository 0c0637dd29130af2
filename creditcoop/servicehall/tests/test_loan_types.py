"""Loan types carry the promised limits: answer in 2, 5 or 7 working days, approval 3–30."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from creditcoop.models import AuditLog
from creditcoop.servicehall.models import LoanType
from tests.html import table_rows

pytestmark = pytest.mark.django_db


def loan_type(**kw):
    data = dict(name="测试贷款", answer_days=5, approval_days=10, annual_rate=Decimal("0.0600"))
    return LoanType(**data | kw)


@pytest.mark.parametrize("days", [2, 5, 7])
def test_answer_limits_of_2_5_or_7_days_are_accepted(days):
    lt = loan_type(answer_days=days)
    lt.full_clean()
    lt.save()
    assert LoanType.objects.get(pk=lt.pk).answer_days == days


@pytest.mark.parametrize("days", [0, 1, 3, 4, 6, 8, 10])
def test_other_answer_limits_are_refused(days):
    with pytest.raises(ValidationError) as exc:
        loan_type(answer_days=days).full_clean()
    assert exc.value.message_dict["answer_days"] == ["调查答复时限只能是 2、5 或 7 个工作日。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        loan_type(answer_days=days).save()
    assert not LoanType.objects.filter(name="测试贷款").exists()


@pytest.mark.parametrize("days", [3, 4, 29, 30])
def test_approval_limits_from_3_to_30_days_are_accepted(days):
    lt = loan_type(approval_days=days)
    lt.full_clean()
    lt.save()
    assert LoanType.objects.get(pk=lt.pk).approval_days == days


@pytest.mark.parametrize("days", [0, 1, 2, 31, 60])
def test_other_approval_limits_are_refused(days):
    with pytest.raises(ValidationError) as exc:
        loan_type(approval_days=days).full_clean()
    assert exc.value.message_dict["approval_days"] == ["审批时限应在 3 至 30 个工作日之间。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        loan_type(approval_days=days).save()
    assert not LoanType.objects.filter(name="测试贷款").exists()


def test_the_defaults_cover_every_answer_limit_and_stay_within_approval_bounds(org, login):
    defaults = list(LoanType.objects.values_list("answer_days", "approval_days"))
    assert {answer for answer, _approval in defaults} == {2, 5, 7}
    assert all(3 <= approval <= 30 for _answer, approval in defaults)
    rows = table_rows(login(org.officer1).get("/hall/loan-types/").content.decode(), "loan-types")
    # name, eligibility, term, rate, answer limit, approval limit
    assert ["农户小额信用贷款", "6.12%", "2 个工作日", "3 个工作日"] == [
        rows[0][0],
        rows[0][3],
        rows[0][4],
        rows[0][5],
    ]


@pytest.fixture
def admin_client(org, client):
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client.force_login(org.admin)
    return client


def test_editing_a_loan_type_in_the_admin(admin_client, org):
    lt = LoanType.objects.get(name="农户联保贷款")
    url = f"/admin/servicehall/loantype/{lt.pk}/change/"
    form = {
        "name": lt.name,
        "answer_days": "7",
        "approval_days": "30",
        "annual_rate": "0.0650",
        "eligibility": lt.eligibility,
        "max_term_months": lt.max_term_months,
        "is_active": "on",
        "sort_order": lt.sort_order,
    }
    for field, value, message in [
        ("approval_days", "31", "审批时限应在 3 至 30 个工作日之间。"),
        ("approval_days", "2", "审批时限应在 3 至 30 个工作日之间。"),
        ("answer_days", "3", "选择一个有效的选项"),
    ]:
        response = admin_client.post(url, form | {field: value})
        assert response.status_code == 200 and message in response.content.decode()
    lt.refresh_from_db()
    assert (lt.answer_days, lt.approval_days) == (5, 10)
    assert not AuditLog.objects.filter(action="servicehall.loan_type_change").exists()

    response = admin_client.post(url, form)
    assert response.status_code == 302
    lt.refresh_from_db()
    assert (lt.answer_days, lt.approval_days, lt.annual_rate) == (7, 30, Decimal("0.0650"))
    log = AuditLog.objects.get(action="servicehall.loan_type_change", object_id=str(lt.pk))
    assert log.actor == org.admin
    assert log.changes == {
        "answer_days": [5, 7],
        "approval_days": [10, 30],
        "annual_rate": ["0.066000", "0.065000"],
    }


def test_staff_loan_type_page_and_public_promises_read_one_source(org, client):
    """The demo's published products and the hall's loan types agree on names and rates,
    and the staff page shows what the villagers read on the public page."""
    from io import StringIO

    from django.core.management import call_command
    from django.urls import reverse

    from ratings.notices.models import ServicePromise
    from tests.html import text_of

    call_command("demo_notices", stdout=StringIO())
    rates = {t.name: f"年利率 {t.annual_rate * 100:.2f}%" for t in LoanType.objects.all()}
    promises = ServicePromise.objects.filter(cooperative=org.coop_a)
    assert promises.count() == 3
    for p in promises:
        assert p.loan_type in rates and p.rate == rates[p.loan_type], p.loan_type
    ServicePromise.objects.filter(cooperative=org.coop_a, loan_type="农户联保贷款").update(
        rate="年利率 7.20% 起"
    )
    public = client.get(reverse("notices_public:village", args=[org.village_a1.code]))
    assert "年利率 7.20% 起" in text_of(public.content.decode(), "promises")
    client.force_login(org.officer1)
    staff = client.get(reverse("servicehall:loan_types")).content.decode()
    row = next(r for r in table_rows(staff, "products") if r[0] == "农户联保贷款")
    assert row[2] == "年利率 7.20% 起"
