"""The Django admin, in Chinese, where administrators keep configuration; every save is
audited like a service write."""

from datetime import date
from decimal import Decimal

import pytest

from creditcoop import workdays
from creditcoop.models import AuditLog, CalendarDay, Cooperative

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(org, client):
    """The administrator as the demo sets one up: a staff account of the admin site."""
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(org.admin)
    return client


def cooperative_form(coop, **changes):
    data = {
        "union": coop.union_id,
        "name": coop.name,
        "code": coop.code,
        "address": coop.address,
        "complaint_phone": coop.complaint_phone,
        "supervision_phone": coop.supervision_phone,
        "small_loan_max": str(coop.small_loan_max),
        "medium_loan_max": str(coop.medium_loan_max),
        # The branches inline, empty.
        "branches-TOTAL_FORMS": "0",
        "branches-INITIAL_FORMS": "0",
        "branches-MIN_NUM_FORMS": "0",
        "branches-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_admin_index_is_in_chinese(admin_client):
    body = admin_client.get("/admin/").content.decode()
    assert "阳光信贷 系统管理" in body and "配置与基础数据" in body
    assert "节假日/调休日" in body and "信用社" in body
    assert "最近动作" in body and "Recent actions" not in body


def test_admin_index_is_for_administrators_only(org, login):
    resp = login(org.director).get("/admin/")
    assert resp.status_code == 302 and "/admin/login/" in resp.url


def test_administrator_edits_amount_bands_and_it_is_audited(org, admin_client):
    url = f"/admin/creditcoop/cooperative/{org.coop_a.pk}/change/"
    assert admin_client.get(url).status_code == 200
    resp = admin_client.post(
        url, cooperative_form(org.coop_a, small_loan_max="80000", medium_loan_max="400000")
    )
    assert resp.status_code == 302
    org.coop_a.refresh_from_db()
    assert (org.coop_a.small_loan_max, org.coop_a.medium_loan_max) == (
        Decimal("80000"),
        Decimal("400000"),
    )
    log = AuditLog.objects.get(action="admin.change", object_type="creditcoop.cooperative")
    assert log.actor == org.admin and log.cooperative == org.coop_a
    assert log.object_id == str(org.coop_a.pk)
    assert log.changes == {
        "small_loan_max": ["50000.00", "80000.00"],
        "medium_loan_max": ["300000.00", "400000.00"],
    }


def test_bands_out_of_order_are_refused_in_chinese(org, admin_client):
    url = f"/admin/creditcoop/cooperative/{org.coop_a.pk}/change/"
    resp = admin_client.post(
        url, cooperative_form(org.coop_a, small_loan_max="300000", medium_loan_max="200000")
    )
    assert resp.status_code == 200
    assert "中额贷款上限必须大于小额贷款上限" in resp.content.decode()
    assert Cooperative.objects.get(pk=org.coop_a.pk).small_loan_max == Decimal("50000")
    assert not AuditLog.objects.exists()


def test_administrator_adds_a_holiday_and_it_is_audited(org, admin_client):
    assert workdays.is_workday(date(2027, 1, 1))  # a Friday, before the row exists
    resp = admin_client.post(
        "/admin/creditcoop/calendarday/add/", {"date": "2027-01-01", "note": "元旦"}
    )
    assert resp.status_code == 302
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).is_workday is False
    assert not workdays.is_workday(date(2027, 1, 1))  # takes effect at once
    log = AuditLog.objects.get(action="admin.create")
    assert log.object_type == "creditcoop.calendarday" and log.actor == org.admin
    assert log.changes["date"] == "2027-01-01" and log.changes["note"] == "元旦"

    resp = admin_client.post("/admin/creditcoop/calendarday/2027-01-01/delete/", {"post": "yes"})
    assert resp.status_code == 302 and not CalendarDay.objects.filter(date="2027-01-01").exists()
    assert AuditLog.objects.filter(action="admin.delete", object_id="2027-01-01").exists()
    assert workdays.is_workday(date(2027, 1, 1))


def test_village_admin_edit_and_new_group_are_audited(org, admin_client):
    from villages.models import VillageGroup

    village = org.village_a1
    group = org.group_a1
    data = {
        "cooperative": village.cooperative_id,
        "name": village.name,
        "town": "河口镇",
        "code": village.code,
        "officer": village.officer_id,
        "groups-TOTAL_FORMS": "2",
        "groups-INITIAL_FORMS": "1",
        "groups-MIN_NUM_FORMS": "0",
        "groups-MAX_NUM_FORMS": "1000",
        "groups-0-id": group.pk,
        "groups-0-village": village.pk,
        "groups-0-number": group.number,
        "groups-0-name": group.name,
        "groups-1-village": village.pk,
        "groups-1-number": "2",
        "groups-1-name": "二组",
    }
    resp = admin_client.post(f"/admin/villages/village/{village.pk}/change/", data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    new_group = VillageGroup.objects.get(village=village, name="二组")
    change = AuditLog.objects.get(action="admin.change", object_type="villages.village")
    assert change.changes == {"town": [village.town, "河口镇"]}
    assert change.cooperative == org.coop_a
    added = AuditLog.objects.get(action="admin.create", object_type="villages.villagegroup")
    assert added.object_id == str(new_group.pk) and added.changes["name"] == "二组"


def test_staff_role_change_is_audited_without_password_hashes(org, admin_client):
    staff = org.officer2
    data = {
        "username": staff.username,
        "name": staff.name,
        "phone": staff.phone,
        "union": staff.union_id,
        "cooperative": staff.cooperative_id,
        "branch": "",
        "roles": ["officer", "review_group"],
        "officer_grade": "3",
        "is_active": "on",
    }
    resp = admin_client.post(f"/admin/creditcoop/staff/{staff.pk}/change/", data)
    assert resp.status_code == 302
    log = AuditLog.objects.get(action="admin.change", object_type="creditcoop.staff")
    assert log.changes == {
        "roles": [["officer"], ["officer", "review_group"]],
        "officer_grade": [2, 3],
    }
    assert "pbkdf2" not in str(log.changes)


def test_staff_page_shows_no_editable_password_hash(org, admin_client):
    body = admin_client.get(f"/admin/creditcoop/staff/{org.officer2.pk}/change/").content.decode()
    assert org.officer2.password not in body  # neither the hash nor an input holding it
    assert "../password/" in body  # the link to set a new password instead


def test_admin_sets_a_password_and_it_is_audited(org, admin_client):
    url = f"/admin/creditcoop/staff/{org.officer2.pk}/password/"
    refused = admin_client.post(url, {"password1": "Qz7#vn4pLw", "password2": "different"})
    assert refused.status_code == 200
    assert not AuditLog.objects.filter(action="admin.password_reset").exists()
    resp = admin_client.post(
        url, {"password1": "Qz7#vn4pLw", "password2": "Qz7#vn4pLw", "usable_password": "true"}
    )
    assert resp.status_code == 302
    org.officer2.refresh_from_db()
    assert org.officer2.check_password("Qz7#vn4pLw")
    row = AuditLog.objects.get(action="admin.password_reset")
    assert row.actor == org.admin and row.object_id == str(org.officer2.pk)
    assert "Qz7#vn4pLw" not in str(row.changes)


def _model_form(obj, fields, **changes):
    """The admin change form's data for `obj`, as the page would post it."""
    data = {}
    for name in fields:
        value = getattr(obj, name)
        data[name] = (
            "on" if value is True else ("" if value is False or value is None else str(value))
        )
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_loan_settings_and_service_promises_edited_in_admin_are_audited(org, admin_client):
    from loans.models import LoanSettings
    from ratings.notices.models import ServicePromise

    settings_row = LoanSettings.objects.first() or LoanSettings.objects.create()
    fields = [
        f.name
        for f in LoanSettings._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "updated_at"
    ]
    resp = admin_client.post(
        f"/admin/loans/loansettings/{settings_row.pk}/change/",
        _model_form(settings_row, fields, penalty_markup="0.40"),
    )
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    row = AuditLog.objects.get(action="admin.change", object_type="loans.loansettings")
    assert row.actor == org.admin
    assert [Decimal(v) for v in row.changes["penalty_markup"]] == [
        settings_row.penalty_markup,
        Decimal("0.40"),
    ]

    resp = admin_client.post(
        "/admin/notices/servicepromise/add/",
        {
            "cooperative": org.coop_a.pk,
            "loan_type": "设施农业贷款",
            "term": "1年以内",
            "rate": "年利率 5.80%",
            "eligibility": "本村信用户",
            "time_limit": "5个工作日内答复",
            "sort_order": "1",
            "is_active": "on",
        },
    )
    assert resp.status_code == 302
    promise = ServicePromise.objects.get(loan_type="设施农业贷款")
    row = AuditLog.objects.get(action="admin.create", object_id=str(promise.pk))
    assert row.object_type == "notices.servicepromise" and row.changes["rate"] == "年利率 5.80%"


def test_admin_shows_rates_as_percentages(org, admin_client):
    """A loan's rate reads 6.12%, not 0.061200, on the admin's lists and pages."""
    from creditcoop.servicehall.models import LoanType
    from loans.tests import factories as lf

    loan = lf.draw(org, lf.contract(org), "1000")
    rate = f"{(loan.annual_rate * 100).normalize():f}%"
    stored = f"{loan.annual_rate:.6f}"
    pages = [
        "/admin/loans/loan/",
        f"/admin/loans/loan/{loan.pk}/change/",
        "/admin/loans/creditcontract/",
        f"/admin/loans/creditcontract/{loan.contract_id}/change/",
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert rate in html and stored not in html, url
    loan_type = LoanType.objects.filter(is_active=True).first()
    html = admin_client.get("/admin/servicehall/loantype/").content.decode()
    assert f"{(loan_type.annual_rate * 100).normalize():f}%" in html


def test_change_lists_join_only_the_relations_they_show(org, admin_client):
    """The contract list shows borrower and village: its query joins those, not the whole
    chain of every foreign key behind a contract (application, household, staff …)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loans.tests import factories as lf

    contract = lf.contract(org)
    with CaptureQueriesContext(connection) as ctx:
        html = admin_client.get("/admin/loans/creditcontract/").content.decode()
    assert contract.number in html and str(contract.borrower) in html
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "loans_creditcontract"' in q["sql"]]
    assert listing and not any("ratings_creditapplication" in sql for sql in listing), listing
