import pytest
from django.db import DatabaseError, transaction

from creditcoop.audit import audit_record
from creditcoop.models import AuditLog

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
    audit_record(actor=org.officer1, action="修改农户", obj=org.village_a1)
    audit_record(actor=org.officer_b, action="修改农户", obj=org.village_b1)
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
