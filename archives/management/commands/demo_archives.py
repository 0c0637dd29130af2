"""Demo archives: loan files prepared, handed over, checked, lent, transferred and destroyed
through the archive services, so that `make run` shows every custody state and the archivist's
home has work on it.

Runs after demo_loans (the granted contracts already have their loan files, their drawdowns
their IOUs). For the first cooperative with loan files, the full story; for the next one with
files, a lighter one (one batch, all taken in). A cooperative that already has a handover batch
is left alone, so a second run adds nothing.

Old stock: there is no stock import service yet, so the few old settled files are written the
way an import of the paper registers would write them: an ArchiveFile in the room, numbered
by the room's own sequence for the year it was filed, one intake register row (no batch) and
one event/audit row ``archives.stock_import``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from archives.models import (
    ArchiveFile,
    BorrowerType,
    Colour,
    FileItem,
    FileStatus,
    HandoverBatch,
    IntakeRecord,
    Method,
    Retention,
    Section,
    Series,
)
from archives.services import borrowing as borrowing_svc
from archives.services import files as files_svc
from archives.services import handover as handover_svc
from archives.services import inspections as inspections_svc
from archives.services import reconcile as reconcile_svc
from archives.services import retention as retention_svc
from archives.services import series as series_svc
from creditcoop.deadlines.sweep import deadline_sweep
from creditcoop.models import LOAN_HANDLING_ROLES, Cooperative, Role, Staff
from creditcoop.workflow import Move, record
from loans.models import Loan

# The old paper files of the stock: (borrower, contract number, drawn, settled, retention).
OLD_STOCK = [
    ("赵德福", "旧贷2007-0113", date(2007, 3, 12), date(2012, 4, 20), Retention.SHORT),
    ("钱秀英", "旧贷2008-0031", date(2008, 2, 26), date(2012, 9, 3), Retention.SHORT),
    ("孙长海", "旧贷2008-0207", date(2008, 5, 8), date(2012, 11, 16), Retention.SHORT),
]
# Still kept (written off in 2019, kept long): the one sent to the recovery department when
# no newer file is spare.
KEPT_STOCK = ("李满仓", "旧贷2015-0088", date(2015, 4, 2), date(2019, 12, 20), Retention.LONG)


def _first(cooperative, role, exclude_loan_roles=False):
    qs = Staff.objects.filter(cooperative=cooperative, is_active=True, roles__contains=[role])
    for person in qs.order_by("username"):
        if exclude_loan_roles and person.has_role(*LOAN_HANDLING_ROLES):
            continue
        return person
    return None


class Command(BaseCommand):
    help = "演示数据：信贷档案（资料收集、移交入库、借阅逾期、外部查阅、移出、销毁、对账差异、检查），可重复运行。"

    def handle(self, *args, **options):
        self.today = timezone.localdate()
        all_coops = list(Cooperative.objects.order_by("code"))
        with_files = [
            c
            for c in all_coops
            if ArchiveFile.objects.filter(cooperative=c, contract__isnull=False).exists()
        ]
        if not with_files:
            self.stdout.write("没有已建立的贷款档案（未运行 demo_loans），跳过档案演示数据。")
            return
        # The full story in the first cooperative with files; a lighter one in the next
        # (its own loan files if any, else a management record only).
        others = [c for c in with_files[1:]] + [c for c in all_coops if c not in with_files]
        coops = [with_files[0], *others[:1]]
        parts = []
        for index, coop in enumerate(coops):
            if HandoverBatch.objects.filter(cooperative=coop).exists():
                continue
            people = self._people(coop)
            if people is None:
                self.stdout.write(f"{coop.name}：缺少信贷内勤、档案管理员或主任，跳过。")
                continue
            with transaction.atomic():
                if index == 0:
                    parts.append(self._full(coop, **people))
                else:
                    parts.append(self._light(coop, **people))
        if not parts:
            self.stdout.write("档案演示数据已存在，未新增。")
            return
        with transaction.atomic():
            series = series_svc.archive_classify(today=self.today)
        deadline_sweep(today=self.today)
        self.stdout.write(f"档案演示数据：{'；'.join(parts)}；不良类转入 {series['moved']} 卷。")

    # -------------------------------------------------------------------------- people

    def _people(self, coop):
        people = {
            "clerk": _first(coop, Role.CLERK),
            "archivist": _first(coop, Role.ARCHIVIST, exclude_loan_roles=True),
            "director": _first(coop, Role.DIRECTOR),
            "deputy": _first(coop, Role.DEPUTY),
        }
        if not all(people[k] for k in ("clerk", "archivist", "director")):
            return None
        return people

    # -------------------------------------------------------------------------- steps

    def _collect(self, file, clerk, *, leave_missing: int = 0):
        """The clerk ticks the file's items collected; ``leave_missing`` required items are
        left out (the file cannot be handed over)."""
        items = list(file.items.order_by("order", "id"))
        skip = (
            {i.pk for i in [i for i in items if i.required][-leave_missing:]}
            if leave_missing
            else set()
        )
        ids = [i.pk for i in items if i.pk not in skip and i.status != FileItem.Status.COLLECTED]
        if ids:
            files_svc.item_collect(item_ids=ids, actor=clerk)

    def _balances(self, coop, clerk):
        """The clerk records in each loan file the balance of its contract."""
        for file in ArchiveFile.objects.filter(
            cooperative=coop, contract__isnull=False
        ).select_related("contract"):
            reconcile_svc.balance_record(file=file, actor=clerk, balance=file.contract.outstanding)

    def _accept(self, line, archivist, box: int):
        items = line.file.items.filter(status=FileItem.Status.COLLECTED)
        return handover_svc.handover_check(
            line=line,
            actor=archivist,
            results={i.pk: (True, "") for i in items},
            shelf="A-01",
            box=f"{box:03d}",
            on=self.today,
        )

    def _record(self, coop, director, title, section=Section.COMMITTEE, pages=6):
        return files_svc.record_create(
            cooperative=coop,
            title=title,
            section=section,
            record_date=self.today - timedelta(days=20),
            pages=pages,
            actor=director,
        )

    def _stock(self, coop, archivist, rows):
        """Old files written the way the stock import would (see the module docstring)."""
        room = files_svc.room_for(coop)
        made = []
        for name, number, drawn, settled, retention in rows:
            file = ArchiveFile(
                cooperative=coop,
                room=room,
                section=Section.PERSONAL,
                series=Series.NORMAL,
                colour=Colour.GREEN,
                status=FileStatus.IN_ROOM,
                title=f"{name}农户贷款档案（{number}）",
                record_date=drawn,
                borrower_name=name,
                contract_number=number,
                retention=retention,
                settled_on=settled,
                opened_on=drawn,
                filed_on=date(settled.year, 12, 28),
                pages=24,
                shelf="J-01",
                box="001",
                note="存量纸质档案登记",
            )
            file.keep_until = retention_svc.keep_until(file)
            handover_svc.number_assign(file, file.filed_on)
            file.save()
            IntakeRecord.objects.create(
                room=room,
                file=file,
                archive_number=file.archive_number,
                volume_number=file.volume_number,
                pages=file.pages,
                shelf=file.shelf,
                box=file.box,
                received_on=file.filed_on,
                received_by=archivist,
                note="存量档案导入",
            )
            record(
                Move(
                    file,
                    "",
                    FileStatus.IN_ROOM,
                    archivist,
                    reason="存量档案导入",
                    action="archives.stock_import",
                    changes={"archive_number": file.archive_number, "settled_on": str(settled)},
                )
            )
            made.append(file)
        return made

    # -------------------------------------------------------------------------- stories

    def _full(self, coop, *, clerk, archivist, director, deputy):
        today = self.today
        loan_files = list(
            ArchiveFile.objects.filter(
                cooperative=coop, contract__isnull=False, status=FileStatus.PREPARING
            ).order_by("id")
        )
        n = len(loan_files)
        # A few files stay being prepared with items missing, one goes on the second list.
        missing_count = 1 if n < 8 else min(3, n // 4)
        preparing = loan_files[:missing_count]
        second = loan_files[missing_count : missing_count + 1]
        first = loan_files[missing_count + 1 :]

        for file in preparing:
            self._collect(file, clerk, leave_missing=2)
        for file in second + first:
            self._collect(file, clerk)
        minutes = self._record(coop, director, f"{today.year}年第{today.month}期贷审会会议纪要")
        circular = self._record(
            coop, director, f"{today.year}年农户信用贷款业务通报", section=Section.DOCUMENTS
        )
        report = self._record(
            coop, director, f"{today.year}年三季度信贷资产质量分析报告", section=Section.REPORTS
        )

        batch1 = handover_svc.handover_create(
            actor=clerk,
            cooperative=coop,
            file_ids=[f.pk for f in first] + [minutes.pk, circular.pk],
            note="本月新增授信档案及贷审会纪要",
        )
        handover_svc.handover_submit(batch=batch1, actor=clerk)
        lines = list(batch1.lines.select_related("file").order_by("file_id"))
        accepted, rejected = [], []
        reject_line = next((ln for ln in lines if ln.file.contract_id), None)
        for box, line in enumerate(lines, start=1):
            if line is reject_line and len(first) > 1:
                items = list(line.file.items.filter(status=FileItem.Status.COLLECTED))
                bad = next((i for i in items if i.name.startswith("家庭成员")), items[-1])
                handover_svc.handover_check(
                    line=line,
                    actor=archivist,
                    results={
                        i.pk: (False, "未见家庭成员签字，请补签后重新移交")
                        if i == bad
                        else (True, "")
                        for i in items
                    },
                    on=today,
                )
                rejected.append(line.file)
            else:
                self._accept(line, archivist, box)
                accepted.append(ArchiveFile.objects.get(pk=line.file_id))

        batch2 = handover_svc.handover_create(
            actor=clerk,
            cooperative=coop,
            file_ids=[f.pk for f in second] + [report.pk],
            note="补交档案",
        )
        handover_svc.handover_submit(batch=batch2, actor=clerk)

        filed = [f for f in accepted if f.contract_id]
        kept = self._stock(coop, archivist, [KEPT_STOCK])[0]
        old = self._stock(coop, archivist, OLD_STOCK)

        # Balances: the archive agrees with the ledger, except one filed file (a difference).
        self._balances(coop, clerk)
        diff_file = filed[0] if filed else None
        if diff_file is not None:
            wrong = diff_file.contract.outstanding + Decimal("5000.00")
            reconcile_svc.balance_record(file=diff_file, actor=archivist, balance=wrong)

        # One loan judged substandard by the director: its file goes to the non-performing
        # series at the nightly classification (run at the end).
        npl_file = filed[0] if filed else None
        if npl_file is not None:
            from loans.services import loan_classify_manual

            loan = Loan.objects.filter(contract_id=npl_file.contract_id).order_by("id").first()
            if loan is not None and loan.risk_class < 2:
                loan_classify_manual(
                    loan=loan,
                    actor=director,
                    to_class=2,
                    reason="借款人外出务工失联，还款来源不足",
                    today=today,
                )

        spare = filed[1:]
        overdue = None
        if spare:
            file = spare.pop(0)
            officer = file.officer or director
            b = borrowing_svc.borrowing_request(
                actor=archivist,
                cooperative=coop,
                borrower_type=BorrowerType.STAFF,
                method=Method.TAKE_OUT,
                purpose="贷后检查核对借据和担保资料",
                file_ids=[file.pk],
                borrower=officer,
            )
            borrowing_svc.borrowing_approve(actor=director, borrowing=b, note="同意借出一周")
            borrowing_svc.borrowing_issue(
                actor=archivist,
                borrowing=b,
                signed_name=officer.name,
                due_date=today - timedelta(days=7),
                today=today - timedelta(days=14),
            )
            overdue = b

        visit_file = spare.pop(0) if spare else kept
        visit = borrowing_svc.borrowing_request(
            actor=archivist,
            cooperative=coop,
            borrower_type=BorrowerType.COURT,
            method=Method.READ,
            purpose="审理金融借款合同纠纷案，查阅借款合同及借据",
            file_ids=[visit_file.pk],
            borrower_name="刘法官",
            organisation="县人民法院",
            credential_type="工作证",
            credential_number="法(2026)0317",
            credential_issuer="县人民法院",
            letter_number="(2026)调档字第58号",
        )
        borrowing_svc.borrowing_approve(
            actor=director,
            borrowing=visit,
            note="同意室内查阅，档案管理员全程陪同",
            accompanied_by=archivist,
        )
        borrowing_svc.borrowing_issue(
            actor=archivist, borrowing=visit, signed_name="刘法官", today=today
        )

        transfer_file = spare.pop(0) if spare else kept
        files_svc.file_transfer(
            file=transfer_file,
            transferred_to="清收部门",
            reason="贷款已转不良，移交清收部门催收",
            actor=archivist,
        )

        numbers = [f.archive_number for f in filed[:2]] or [kept.archive_number]
        findings = [
            inspections_svc.FindingInput(
                archive_number=numbers[0],
                finding="卷内目录未填写页码",
                rectify_by=today + timedelta(days=14),
            ),
            inspections_svc.FindingInput(
                archive_number=numbers[-1],
                finding="借据复印件字迹不清，需补原件复印",
                rectify_by=today + timedelta(days=30),
            ),
        ]
        inspection = inspections_svc.inspection_record(
            actor=archivist,
            cooperative=coop,
            inspected_on=today - timedelta(days=3),
            inspectors=f"{director.name}、{archivist.name}",
            scope="本年新入库农户贷款档案",
            summary="档案基本齐全，个别卷内目录不规范。",
            findings=findings,
            today=today,
        )
        inspections_svc.finding_rectify(
            actor=archivist,
            finding=inspection.findings.order_by("id").first(),
            rectification="已补填卷内目录页码",
            rectified_on=today,
        )

        destroyed = 0
        supervisor = (
            deputy
            or Staff.objects.filter(
                union_id=coop.union_id, cooperative__isnull=True, roles__contains=[Role.AUDITOR]
            )
            .order_by("username")
            .first()
        )
        if supervisor is not None:
            batch = retention_svc.destruction_create(
                actor=archivist,
                cooperative=coop,
                file_ids=[f.pk for f in old],
                note="2012年结清、保管期满的短期档案",
                today=today,
            )
            retention_svc.destruction_approve(actor=director, batch=batch)
            retention_svc.destruction_destroy(
                actor=archivist,
                batch=batch,
                supervisor=supervisor,
                destroyed_on=today,
                method="碎纸机粉碎",
                today=today,
            )
            destroyed = len(old)

        return (
            f"{coop.name} 移交 2 批（入库 {len(accepted)} 卷，退回 {len(rejected)} 卷，"
            f"待核对 {len(second) + 1} 卷），整理中缺资料 {len(preparing)} 卷，"
            f"借阅 {1 + (overdue is not None)} 笔（逾期 {int(overdue is not None)} 笔），"
            f"移出 1 卷，销毁 {destroyed} 卷"
        )

    def _light(self, coop, *, clerk, archivist, director, deputy):
        loan_files = list(
            ArchiveFile.objects.filter(
                cooperative=coop, contract__isnull=False, status=FileStatus.PREPARING
            ).order_by("id")
        )
        for file in loan_files:
            self._collect(file, clerk)
        minutes = self._record(coop, director, f"{self.today.year}年贷审会会议纪要")
        batch = handover_svc.handover_create(
            actor=clerk,
            cooperative=coop,
            file_ids=[f.pk for f in loan_files] + [minutes.pk],
        )
        handover_svc.handover_submit(batch=batch, actor=clerk)
        lines = batch.lines.select_related("file").order_by("file_id")
        for box, line in enumerate(lines, start=1):
            self._accept(line, archivist, box)
        self._balances(coop, clerk)
        return f"{coop.name} 移交入库 {len(loan_files) + 1} 卷"
