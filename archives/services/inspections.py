"""Archive inspections (docs/rules.md §6.8): at least ``inspections_per_year`` a year, with
findings per file (named by archive number) and their rectification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.models import Role
from creditcoop.permissions import require_may_write
from creditcoop.workflow import transition

from ..models import ArchiveFile, ArchiveSettings, Inspection, InspectionFinding
from ._common import ArchiveError, today_or

INSPECTOR_ROLES = (Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY, Role.UNION_RISK)


@dataclass
class FindingInput:
    archive_number: str
    finding: str
    rectify_by: date | None = None


def may_record(actor, cooperative) -> bool:
    """The cooperative's archivist or leadership, or the union's risk staff."""
    if actor.has_role(Role.UNION_RISK) and actor.union_id == cooperative.union_id:
        return True
    return actor.cooperative_id == cooperative.pk and actor.has_role(
        Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY
    )


@transaction.atomic
def inspection_record(
    *,
    actor,
    cooperative,
    inspected_on: date,
    inspectors: str,
    scope: str = "",
    summary: str = "",
    findings: list[FindingInput] = (),
    today: date | None = None,
) -> Inspection:
    """Record an inspection and its findings; a finding naming an archive number the room
    does not hold refuses the whole record."""
    require_may_write(actor)
    if not may_record(actor, cooperative):
        raise ArchiveError(_("只有本社档案管理员、主任或联社风险管理部可以登记档案检查。"))
    if inspected_on is None or inspected_on > today_or(today):
        raise ArchiveError(_("检查日期不能晚于今天。"), field="inspected_on")
    inspectors = (inspectors or "").strip()
    if not inspectors:
        raise ArchiveError(_("请填写检查人员。"), field="inspectors")
    numbers = {f.archive_number.strip() for f in findings if f.archive_number.strip()}
    files = {
        f.archive_number: f
        for f in ArchiveFile.objects.filter(cooperative=cooperative, archive_number__in=numbers)
    }
    unknown = sorted(numbers - files.keys())
    if unknown:
        raise ArchiveError(
            _("档案号 %(n)s 在本社档案室不存在，请核对后重新填写。") % {"n": "、".join(unknown)},
            field="findings",
        )
    if any(not (f.finding or "").strip() for f in findings):
        raise ArchiveError(_("每条发现问题都要写明问题内容。"), field="findings")
    inspection = Inspection.objects.create(
        cooperative=cooperative,
        inspected_on=inspected_on,
        inspectors=inspectors[:200],
        scope=(scope or "").strip()[:300],
        summary=(summary or "").strip(),
        recorded_by=actor,
    )
    InspectionFinding.objects.bulk_create(
        [
            InspectionFinding(
                inspection=inspection,
                file=files.get(f.archive_number.strip()),
                finding=f.finding.strip()[:300],
                rectify_by=f.rectify_by,
            )
            for f in findings
        ]
    )
    audit_record(
        actor=actor,
        action="archives.inspection_record",
        obj=inspection,
        changes={"inspected_on": inspected_on, "inspectors": inspectors, "findings": len(findings)},
    )
    return inspection


def may_rectify(actor, finding: InspectionFinding) -> bool:
    coop_id = finding.inspection.cooperative_id
    if actor.cooperative_id != coop_id:
        return False
    if actor.has_role(Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY, Role.CLERK):
        return True
    return actor.has_role(Role.OFFICER) and (
        finding.file is not None and finding.file.officer_id == actor.pk
    )


@transaction.atomic
def finding_rectify(
    *, actor, finding: InspectionFinding, rectification: str, rectified_on: date | None = None
) -> InspectionFinding:
    """An open finding is rectified, with what was done."""
    require_may_write(actor)
    finding = (
        InspectionFinding.objects.select_for_update(of=("self",))
        .select_related("inspection__cooperative", "file")
        .get(pk=finding.pk)
    )
    if not may_rectify(actor, finding):
        raise ArchiveError(_("只有本社档案管理员、主任或该档案的主办信贷员可以登记整改。"))
    text = (rectification or "").strip()
    if not text:
        raise ArchiveError(_("请写明整改情况。"), field="rectification")
    rectified_on = today_or(rectified_on)
    finding.rectification, finding.rectified_on, finding.rectified_by = (
        text[:300],
        rectified_on,
        actor,
    )
    return transition(
        finding,
        InspectionFinding.Status.RECTIFIED,
        actor=actor,
        fields=["rectification", "rectified_on", "rectified_by"],
        changes={"rectification": text[:300]},
        cooperative=finding.inspection.cooperative,
    )


def inspection_summary(cooperative, year: int) -> dict:
    """For the cooperative's dashboard: inspections this year against the required number,
    and the findings still open."""
    required = ArchiveSettings.current().inspections_per_year
    done = Inspection.objects.filter(cooperative=cooperative, inspected_on__year=year).count()
    open_findings = InspectionFinding.objects.filter(
        inspection__cooperative=cooperative, status=InspectionFinding.Status.OPEN
    ).count()
    return {
        "year": year,
        "done": done,
        "required": required,
        "short": max(required - done, 0),
        "open_findings": open_findings,
    }
