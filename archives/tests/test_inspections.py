"""Archive inspections (docs/rules.md §6.8)."""

from datetime import date

import pytest
from django.urls import reverse

from archives.models import ArchiveSettings, Inspection, InspectionFinding
from archives.services import inspections
from archives.services._common import ArchiveError
from archives.services.inspections import FindingInput
from archives.tests import factories_control as fc
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, WorkflowEvent

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 10)


def _record(org, findings=(), actor=None, on=DAY):
    return inspections.inspection_record(
        actor=actor or org.archivist,
        cooperative=org.coop_a,
        inspected_on=on,
        inspectors="周主任、卫档案",
        scope="2025年度农户贷款档案",
        findings=list(findings),
        today=DAY,
    )


def test_findings_name_files_by_archive_number(org):
    file = fc.in_room(fc.loan_file(org))
    inspection = _record(
        org,
        [
            FindingInput(file.archive_number, "缺借据原件", date(2026, 4, 30)),
            FindingInput("", "温湿度记录不全"),
        ],
    )
    findings = list(inspection.findings.order_by("id"))
    assert [(f.file, f.finding) for f in findings] == [
        (file, "缺借据原件"),
        (None, "温湿度记录不全"),
    ]
    assert AuditLog.objects.get(action="archives.inspection_record").changes["findings"] == 2


def test_a_wrong_archive_number_refuses_the_whole_record(org):
    b_file = fc.management_file(org.coop_b)
    for number in ("A001-b-2099-9999", b_file.archive_number):
        with pytest.raises(ArchiveError, match=f"档案号 {number} 在本社档案室不存在"):
            _record(org, [FindingInput(number, "页码不连续")])
    assert not Inspection.objects.exists()


def test_who_may_record(org):
    for who in (org.officer1, org.teller, org.director_b):
        with pytest.raises(ArchiveError, match="只有本社档案管理员"):
            _record(org, actor=who)
    assert _record(org, actor=org.union_risk).recorded_by == org.union_risk


def test_a_finding_is_rectified_once_with_its_text(org):
    file = fc.in_room(fc.loan_file(org))
    inspection = _record(org, [FindingInput(file.archive_number, "缺担保合同")])
    finding = inspection.findings.get()
    with pytest.raises(ArchiveError, match="整改情况"):
        inspections.finding_rectify(actor=org.officer1, finding=finding, rectification=" ")
    with pytest.raises(ArchiveError, match="主办信贷员"):
        inspections.finding_rectify(actor=org.officer2, finding=finding, rectification="已补")
    inspections.finding_rectify(
        actor=org.officer1, finding=finding, rectification="已补入担保合同原件", rectified_on=DAY
    )
    finding.refresh_from_db()
    assert (finding.status, finding.rectified_by) == ("rectified", org.officer1)
    event = WorkflowEvent.objects.get(object_type="archives.inspectionfinding")
    assert (event.from_state, event.to_state) == ("open", "rectified")
    with pytest.raises(DomainError, match="已整改"):
        inspections.finding_rectify(actor=org.archivist, finding=finding, rectification="再次")


def test_the_summary_counts_this_year_against_the_setting(org):
    _record(org, [FindingInput("", "目录未更新")], on=date(2026, 1, 5))
    _record(org, on=date(2025, 11, 5))
    summary = inspections.inspection_summary(org.coop_a, 2026)
    assert summary == {"year": 2026, "done": 1, "required": 2, "short": 1, "open_findings": 1}
    s = ArchiveSettings.current()
    s.inspections_per_year = 1
    s.save()
    assert inspections.inspection_summary(org.coop_a, 2026)["short"] == 0


# --- pages ------------------------------------------------------------------------------------


def test_the_list_shows_inspections_this_year_against_the_minimum(org, login):
    year = date.today().year
    inspections.inspection_record(
        actor=org.archivist, cooperative=org.coop_a, inspected_on=date.today(), inspectors="卫档案"
    )
    body = login(org.director).get(reverse("archives:inspection_list")).content.decode()
    assert f"{year} 年已检查 1 次，应至少 2 次" in body


def test_create_page_refuses_a_wrong_number_and_saves_a_good_one(org, login):
    file = fc.in_room(fc.loan_file(org))
    client = login(org.archivist)
    assert client.get(reverse("archives:inspection_create")).status_code == 200
    data = {
        "cooperative": org.coop_a.pk,
        "inspected_on": date.today().isoformat(),
        "inspectors": "卫档案",
        "findings": "A001-X-0000｜缺页",
    }
    resp = client.post(reverse("archives:inspection_create"), data)
    assert "档案号 A001-X-0000 在本社档案室不存在" in resp.content.decode()
    data["findings"] = f"{file.archive_number}｜缺页｜2026-13-01"
    resp = client.post(reverse("archives:inspection_create"), data)
    assert "整改期限" in resp.content.decode() and not Inspection.objects.exists()
    data["findings"] = f"{file.archive_number}｜缺页｜2099-06-30\n档案柜未上锁"
    resp = client.post(reverse("archives:inspection_create"), data)
    inspection = Inspection.objects.get()
    assert resp.url == reverse("archives:inspection_detail", args=[inspection.pk])
    assert inspection.findings.count() == 2
    detail = client.get(resp.url).content.decode()
    assert file.archive_number in detail and "登记整改" in detail


@pytest.mark.django_db(transaction=True)
def test_rectify_through_the_page(org, login):
    file = fc.in_room(fc.loan_file(org))
    inspection = inspections.inspection_record(
        actor=org.archivist,
        cooperative=org.coop_a,
        inspected_on=date.today(),
        inspectors="卫档案",
        findings=[FindingInput(file.archive_number, "缺借据")],
    )
    finding = inspection.findings.get()
    resp = login(org.officer1).post(
        reverse("archives:finding_rectify", args=[finding.pk]),
        {"rectification": "已补借据", "rectified_on": date.today().isoformat()},
    )
    assert resp.url == reverse("archives:inspection_detail", args=[inspection.pk])
    finding.refresh_from_db()
    assert finding.status == InspectionFinding.Status.RECTIFIED
