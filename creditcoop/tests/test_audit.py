from datetime import datetime

import pytest
from django.db import DatabaseError, transaction

from creditcoop.audit import audit_record
from creditcoop.models import AuditLog
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_audit_rows_cannot_be_changed_or_deleted(org):
    log = audit_record(
        actor=org.officer1, action="测试", obj=org.village_a1, changes={"name": ["旧", "新"]}
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=log.pk).update(action="篡改")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=log.pk).delete()
    assert AuditLog.objects.get(pk=log.pk).action == "测试"


def test_audit_record_knows_the_cooperative(org):
    log = audit_record(actor=org.officer1, action="测试", obj=org.village_a1)
    assert log.cooperative == org.coop_a


def test_director_browses_own_cooperative_trail_with_filters(org, login):
    audit_record(actor=org.officer1, action="villages.household_update", obj=org.village_a1)
    audit_record(actor=org.officer_b, action="villages.household_update", obj=org.village_b1)
    body = login(org.director).get("/audit/").content.decode()
    assert org.officer1.name in body and org.officer_b.name not in body
    body = login(org.auditor).get("/audit/", {"actor": "O101"}).content.decode()
    assert org.officer_b.name in body and org.officer1.name not in body


def test_officer_cannot_browse_audit(org, login):
    assert login(org.officer1).get("/audit/").status_code == 403


def test_admin_site_cannot_edit_audit(org, client):
    from creditcoop.models import Staff

    su = Staff.objects.create_superuser(username="root", password="x", name="超管", union=org.union)
    log = audit_record(actor=org.officer1, action="测试", obj=org.village_a1)
    client.force_login(su)
    resp = client.post(f"/admin/creditcoop/auditlog/{log.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 403
    assert AuditLog.objects.filter(pk=log.pk).exists()


def _recorded_at(when, **kwargs):
    """An audit row written at `when` (the trail's time is set by the database write)."""
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=when):
        return audit_record(**kwargs)


def _shanghai(*args):
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_filter_by_object_shows_only_that_objects_rows(org, login):
    household = f.HouseholdFactory(group=org.group_a1, head_name="张三")
    audit_record(actor=org.officer1, action="修改张庄村", obj=org.village_a1)
    audit_record(actor=org.officer2, action="修改李屯村", obj=org.village_a2)
    # Same number, other object type: must not match a village filter.
    audit_record(actor=org.officer1, action="villages.household_update", obj=household)
    query = {"object_type": "villages.village", "object_id": str(org.village_a1.pk)}
    body = login(org.director).get("/audit/", query).content.decode()
    assert "修改张庄村" in body
    assert "修改李屯村" not in body and "修改农户" not in body

    query = {"object_type": "villages.household", "object_id": str(household.pk)}
    body = login(org.director).get("/audit/", query).content.decode()
    assert "修改农户" in body and "修改张庄村" not in body


def test_date_range_excludes_rows_outside_it(org, login):
    for when, action in [
        (_shanghai(2026, 3, 9, 23, 59), "三月九日"),
        (_shanghai(2026, 3, 10, 0, 1), "三月十日"),
        (_shanghai(2026, 3, 31, 23, 30), "三月末夜"),  # 31 March in 上海 (15:30 UTC)
        (_shanghai(2026, 4, 1, 0, 30), "四月一日凌晨"),  # 31 March in UTC: must stay out
    ]:
        _recorded_at(when, actor=org.officer1, action=action, obj=org.village_a1)
    body = (
        login(org.auditor)
        .get("/audit/", {"date_from": "2026-03-10", "date_to": "2026-03-31"})
        .content.decode()
    )
    assert "三月十日" in body and "三月末夜" in body
    assert "三月九日" not in body and "四月一日凌晨" not in body
    body = login(org.auditor).get("/audit/", {"date_from": "2026-04-01"}).content.decode()
    assert "四月一日凌晨" in body and "三月末夜" not in body


def test_bad_date_in_filter_is_reported_in_chinese(org, login):
    audit_record(actor=org.officer1, action="修改张庄村", obj=org.village_a1)
    resp = login(org.auditor).get("/audit/", {"date_from": "2026-13-45"})
    assert resp.status_code == 200
    assert "输入一个有效的日期" in resp.content.decode()


def test_auditor_sees_union_wide_director_only_own_cooperative(org, login):
    other_union = f.UnionFactory(name="邻县农村信用合作联社")
    other_coop = f.CooperativeFactory(union=other_union, name="邻县信用社")
    other_village = f.VillageFactory(cooperative=other_coop, name="邻县村")
    audit_record(actor=org.officer1, action="甲社操作", obj=org.village_a1)
    audit_record(actor=org.officer_b, action="乙社操作", obj=org.village_b1)
    audit_record(actor=org.admin, action="联社配置", obj=org.union)
    audit_record(actor=None, action="邻县操作", obj=other_village)
    other_admin = f.StaffFactory(cooperative=None, union=other_union, roles=["admin"])
    audit_record(actor=other_admin, action="邻县改联社资料", obj=other_union)
    audit_record(actor=None, action="系统任务", obj=org.union)

    seen = {
        who: login(getattr(org, who)).get("/audit/").content.decode()
        for who in ("auditor", "union_risk", "director", "director_b")
    }
    for who in ("auditor", "union_risk"):
        assert "甲社操作" in seen[who] and "乙社操作" in seen[who] and "联社配置" in seen[who]
        assert "系统任务" in seen[who]
        assert "邻县操作" not in seen[who] and "邻县改联社资料" not in seen[who]
    assert "甲社操作" in seen["director"]
    assert "乙社操作" not in seen["director"] and "联社配置" not in seen["director"]
    assert "乙社操作" in seen["director_b"] and "甲社操作" not in seen["director_b"]
    # A filter cannot widen the scope: the director asks for cooperative B's village.
    query = {"object_type": "villages.village", "object_id": str(org.village_b1.pk)}
    body = login(org.director).get("/audit/", query).content.decode()
    assert "乙社操作" not in body and "没有符合条件的记录" in body


# --- the trail in an auditor's words -------------------------------------------------------


def _household_update(org, **changes):
    household = f.HouseholdFactory(group=org.group_a1, head_name="张三")
    audit_record(
        actor=org.officer1, action="villages.household_update", obj=household, changes=changes
    )
    return household


def test_page_names_action_object_type_and_fields_in_chinese(org, login):
    household = _household_update(org, head_name=["张三", "张叁"])
    body = login(org.director).get("/audit/").content.decode()
    assert "修改农户" in body and "villages.household_update" not in body.replace(
        'title="villages.household_update"', ""
    )
    assert "农户 #" in body and "villages.household#" not in body
    head_label = household._meta.get_field("head_name").verbose_name
    assert f"<b>{head_label}</b>：张三 → 张叁" in body


def test_page_reads_statuses_by_label_and_money_with_two_decimals(org, login):
    from creditcoop.servicehall.models import Walkin

    walkin = Walkin(pk=7, status="in_approval", cooperative=org.coop_a, customer_name="李四")
    walkin.registered_on = datetime(2026, 3, 1).date()
    audit_record(
        actor=org.officer1,
        action="servicehall.walkin_answer",
        obj=walkin,
        changes={"status": ["investigating", "in_approval"], "amount": "50000"},
        cooperative=org.coop_a,
    )
    body = login(org.director).get("/audit/").content.decode()
    assert "答复客户" in body
    assert "调查中 → 审批中" in body
    assert "50,000.00" in body


def test_object_is_a_link_to_its_page(org, login):
    household = _household_update(org, head_name=["张三", "张叁"])
    audit_record(actor=org.officer1, action="admin.change", obj=org.coop_a)  # no page
    body = login(org.director).get("/audit/").content.decode()
    assert f'href="/villages/households/{household.pk}/"' in body
    assert "后台修改" in body


def test_object_type_filter_is_a_drop_down_of_chinese_names(org, login):
    body = login(org.director).get("/audit/").content.decode()
    assert '<select class="form-select form-select-sm" name="object_type"' in body
    assert '<option value="villages.household">农户</option>' in body
    resp = login(org.director).get("/audit/", {"object_type": "no.such"})
    assert "选择一个有效的选项" in resp.content.decode()
