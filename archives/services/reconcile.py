"""Reconciliation (docs/rules.md §6.6): the balance recorded in each loan file against the loan
ledger (the contract's outstanding, kept equal to the sum of its loans' principal by the
lending services) and against the latest accounting sheet imported for the cooperative.

One query lists the differences; the summaries group the same query per cooperative and per
responsible officer (who must fix them).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Coalesce
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.models import Role
from creditcoop.money import FEN, ascii_digits, to_fen
from creditcoop.permissions import require_may_write

from ..models import AccountingBalance, AccountingImport, ArchiveFile, FileStatus
from ._common import ArchiveError, require_archivist

MONEY_OUT = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY_OUT)


def _latest_import_ids(files: QuerySet, cooperative_ids) -> dict[int, int]:
    """{cooperative id: id of its latest accounting import} for the cooperatives in scope, in
    one small query over the imports (a handful per cooperative; for a queryset scope, one
    index probe into the files per import)."""
    if cooperative_ids is not None:
        imports = AccountingImport.objects.filter(cooperative_id__in=cooperative_ids)
    else:
        imports = AccountingImport.objects.filter(
            Exists(files.filter(cooperative_id=OuterRef("cooperative_id")))
        )
    return dict(
        imports.order_by("cooperative_id", "-as_of", "-id")
        .distinct("cooperative_id")
        .values_list("cooperative_id", "pk")
    )


def reconciliation_base(scope, accounting_import: AccountingImport | None = None) -> QuerySet:
    """Every loan file in ``scope`` (a queryset of files, or cooperative ids) with its three
    balances and the two differences annotated; not yet filtered to the differences.

    The latest accounting import of each cooperative is resolved first (one small query), so
    the statement over the files carries it as a constant: with no import in scope the files
    are compared with the ledger only (no accounting lookup at all); otherwise the files are
    LEFT JOINed to the rows of those imports that point to them (``AccountingBalance.file``,
    set by the import)."""
    return _reconciliation(scope, accounting_import)[0]


def _reconciliation(scope, accounting_import) -> tuple[QuerySet, bool]:
    """(reconciliation_base's queryset, whether any cooperative in scope has an import)."""
    if isinstance(scope, QuerySet):
        files, cooperative_ids = scope, None
    else:
        cooperative_ids = list(scope)
        files = ArchiveFile.objects.filter(cooperative_id__in=cooperative_ids)
    files = files.filter(contract__isnull=False).exclude(status=FileStatus.DESTROYED)
    if accounting_import is not None:
        files = files.filter(cooperative_id=accounting_import.cooperative_id)
        latest = {accounting_import.cooperative_id: accounting_import.pk}
    else:
        latest = _latest_import_ids(files, cooperative_ids)
    files = files.annotate(ledger=F("contract__outstanding"))
    if not latest:
        return (
            files.annotate(
                import_id=Value(None, output_field=IntegerField()),
                accounting=Value(None, output_field=MONEY_OUT),
                ledger_diff=ExpressionWrapper(
                    F("recorded_balance") - F("ledger"), output_field=MONEY_OUT
                ),
                accounting_diff=ExpressionWrapper(F("recorded_balance"), output_field=MONEY_OUT),
            ),
            False,
        )
    source = Case(
        *(When(cooperative_id=coop, then=Value(pk)) for coop, pk in sorted(latest.items())),
        default=None,
        output_field=IntegerField(),
    )
    # One LEFT JOIN to the rows of the latest sheets: at most one row per file (a sheet has
    # each contract number once, and its rows point to files of the sheet's cooperative).
    files = files.annotate(
        import_id=source,
        sheet=FilteredRelation(
            "accounting_rows",
            condition=Q(accounting_rows__source_id__in=sorted(latest.values())),
        ),
        accounting=F("sheet__balance"),
        ledger_diff=ExpressionWrapper(F("recorded_balance") - F("ledger"), output_field=MONEY_OUT),
        accounting_diff=ExpressionWrapper(
            F("recorded_balance") - Coalesce(F("accounting"), ZERO), output_field=MONEY_OUT
        ),
    )
    return files, True


# A file settled to nothing is not on the accounting sheet: a missing row counts as a
# difference only while the archive or the ledger still shows a balance.
LEDGER_DIFFERS = ~Q(recorded_balance=F("ledger"))
ACCOUNTING_MISSING = Q(import_id__isnull=False, accounting__isnull=True) & ~Q(
    recorded_balance=0, ledger=0
)
ACCOUNTING_DIFFERS = Q(accounting__isnull=False) & ~Q(accounting=F("recorded_balance"))
ACCOUNTING_ISSUE = ACCOUNTING_MISSING | ACCOUNTING_DIFFERS


def _accounting_issue_probe() -> Q:
    """ACCOUNTING_ISSUE for the WHERE clause, on the joined sheet row: none while the file's
    cooperative has a sheet (unless nothing is owed), or one with another balance."""
    return ACCOUNTING_ISSUE


LISTED_FIELDS = (
    "cooperative",
    "officer",
    "village",
    "contract",
    "section",
    "status",
    "borrower_name",
    "contract_number",
    "archive_number",
    "recorded_balance",
    "cooperative__name",
    "cooperative__code",
    "officer__name",
    "officer__username",
    "village__name",
)


def reconciliation_rows(scope, accounting_import: AccountingImport | None = None) -> QuerySet:
    """The loan files whose recorded balance differs from the ledger or the accounting sheet,
    in one query (officer and cooperative joined for the list)."""
    base, has_import = _reconciliation(scope, accounting_import)
    differs = LEDGER_DIFFERS | _accounting_issue_probe() if has_import else LEDGER_DIFFERS
    return (
        base.filter(differs)
        # The columns the list and the report show: the million rows the statement joins
        # stay narrow (the whole row would make the join spill to disk).
        .only(*LISTED_FIELDS)
        .select_related("cooperative", "officer", "village")
        .order_by("cooperative_id", "officer_id", "id")
    )


def reconciliation_summary(rows: QuerySet, by: str = "cooperative") -> list[dict]:
    """Counts and sums of the differences per cooperative (``by="cooperative"``) or per
    responsible officer (``by="officer"``)."""
    keys = {
        "cooperative": ("cooperative_id", "cooperative__name"),
        "officer": ("officer_id", "officer__name", "cooperative__name"),
    }[by]
    return list(
        rows.order_by()
        .values(*keys)
        .annotate(
            files=Count("id"),
            ledger_count=Count("id", filter=LEDGER_DIFFERS),
            accounting_count=Count("id", filter=ACCOUNTING_ISSUE),
            ledger_total=Coalesce(
                Sum(Abs(F("ledger_diff")), filter=LEDGER_DIFFERS), ZERO, output_field=MONEY_OUT
            ),
            accounting_total=Coalesce(
                Sum(Abs(F("accounting_diff")), filter=ACCOUNTING_ISSUE),
                ZERO,
                output_field=MONEY_OUT,
            ),
        )
        .order_by(*keys[1:], keys[0])
    )


# --- who writes -------------------------------------------------------------------------------


def _may_record_balance(actor, file: ArchiveFile) -> bool:
    if actor.cooperative_id != file.cooperative_id:
        return False
    if actor.has_role(Role.ARCHIVIST) or actor.has_role(Role.CLERK):
        return True
    return actor.has_role(Role.OFFICER) and file.officer_id == actor.pk


def _money(value, *, field: str) -> Decimal:
    try:
        amount = Decimal(ascii_digits(str(value)).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ArchiveError(_("请填写正确的金额。"), field=field)
    if not amount.is_finite() or amount < 0:
        raise ArchiveError(_("余额不能为负数。"), field=field)
    if amount != amount.quantize(FEN):
        raise ArchiveError(_("金额最多两位小数（到分）。"), field=field)
    return to_fen(amount)


@transaction.atomic
def balance_record(*, file: ArchiveFile, actor, balance) -> ArchiveFile:
    """The responsible officer, the clerk or the archivist records the balance the archive
    shows for a loan file (the fix of a reconciliation difference)."""
    require_may_write(actor)
    file = ArchiveFile.objects.select_for_update().get(pk=file.pk)
    if not _may_record_balance(actor, file):
        raise ArchiveError(_("只有该档案的主办信贷员、信贷内勤或档案管理员可以登记档案余额。"))
    if file.contract_id is None:
        raise ArchiveError(_("管理类档案没有贷款余额。"))
    amount = _money(balance, field="balance")
    old = file.recorded_balance
    if amount == old:
        return file
    file.recorded_balance = amount
    file.save(update_fields=["recorded_balance"])
    audit_record(
        actor=actor,
        action="archives.balance_record",
        obj=file,
        changes={"recorded_balance": [old, amount]},
    )
    return file


# --- the accounting sheet ---------------------------------------------------------------------

CONTRACT_HEADERS = {"合同编号", "授信合同编号", "合同号"}
BALANCE_HEADERS = {"余额", "会计余额", "贷款余额", "账面余额"}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def accounting_sheet_read(upload) -> list[dict]:
    """The sheet's rows as {"row", "contract_number", "balance", "errors"}; an ArchiveError
    when the file is not a usable Excel workbook."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from villages.imports import _check_packing

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ArchiveError(_("文件超过 5 MB，请分批导入。"), field="upload")
    data = upload.read()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ArchiveError(
            _("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为 .xlsx”后再上传。"), field="upload"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ArchiveError(_("上传的文件不是 Excel（.xlsx）文件。"), field="upload")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_packing(archive)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ArchiveError(_("上传的文件不是有效的 Excel（.xlsx）文件。"), field="upload")
    except ArchiveError:
        raise
    except Exception as e:  # villages' SheetError: a DomainError with its own message
        raise ArchiveError(str(e), field="upload")
    try:
        cells = wb.worksheets[0].iter_rows(values_only=True)
        header = [_cell(h) for h in (next(cells, None) or ())]
        number_col = next((i for i, h in enumerate(header) if h in CONTRACT_HEADERS), None)
        balance_col = next((i for i, h in enumerate(header) if h in BALANCE_HEADERS), None)
        if number_col is None or balance_col is None:
            raise ArchiveError(_("第一行表头须有“合同编号”和“余额”两列。"), field="upload")
        rows, seen = [], {}
        for n, values in enumerate(cells, start=2):
            raw_number = values[number_col] if number_col < len(values) else None
            raw_balance = values[balance_col] if balance_col < len(values) else None
            number, balance_text = _cell(raw_number).upper(), _cell(raw_balance)
            if not number and not balance_text:
                continue
            row = {"row": n, "contract_number": number, "balance": None, "errors": []}
            if not number:
                row["errors"].append(_("合同编号未填写"))
            elif len(number) > 40:
                row["errors"].append(_("合同编号超过 40 个字符"))
            elif number in seen:
                row["errors"].append(_("合同编号与第 %(n)s 行重复") % {"n": seen[number]})
            else:
                seen[number] = n
            try:
                row["balance"] = str(_money(balance_text, field="balance"))
            except ArchiveError:
                row["errors"].append(
                    _("余额“%(v)s”不是正确的金额（非负数，最多两位小数）")
                    % {"v": balance_text or _("空")}
                )
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise ArchiveError(
                    _("一次最多导入 %(n)s 行，请分批导入。") % {"n": MAX_ROWS}, field="upload"
                )
    finally:
        wb.close()
    if not rows:
        raise ArchiveError(_("表格中没有数据行。"), field="upload")
    return rows


def _may_import(actor, cooperative_id) -> None:
    if actor.has_role(Role.DIRECTOR, Role.DEPUTY) and actor.cooperative_id == cooperative_id:
        return
    require_archivist(actor, cooperative_id)


@transaction.atomic
def accounting_import(*, actor, cooperative, as_of: date, upload) -> AccountingImport:
    """Import an accounting balance sheet: every row checked first, nothing saved unless the
    whole sheet is clean (the errors name each row)."""
    require_may_write(actor)
    _may_import(actor, cooperative.pk)
    if as_of is None:
        raise ArchiveError(_("请填写余额日期。"), field="as_of")
    rows = accounting_sheet_read(upload)
    errors = [
        _("第 %(n)s 行：%(e)s") % {"n": r["row"], "e": "；".join(r["errors"])}
        for r in rows
        if r["errors"]
    ]
    if errors:
        raise ArchiveError(
            _("表格中有 %(n)s 行错误，未导入任何数据，请修改后重新上传。") % {"n": len(errors)},
            errors={"rows": errors},
        )
    source = AccountingImport.objects.create(
        cooperative=cooperative,
        as_of=as_of,
        file_name=(getattr(upload, "name", "") or "")[:200],
        row_count=len(rows),
        uploaded_by=actor,
    )
    AccountingBalance.objects.bulk_create(
        [
            AccountingBalance(
                source=source, contract_number=r["contract_number"], balance=Decimal(r["balance"])
            )
            for r in rows
        ],
        batch_size=2000,
    )
    # Each row points to the cooperative's loan file with its contract number (NULL when it
    # has none), in one UPDATE: the join the reconciliation reads.
    AccountingBalance.objects.filter(source=source).update(
        file_id=Subquery(
            ArchiveFile.objects.filter(
                cooperative_id=cooperative.pk,
                contract_number=OuterRef("contract_number"),
                contract__isnull=False,
            )
            .order_by("pk")
            .values("pk")[:1]
        )
    )
    audit_record(
        actor=actor,
        action="archives.accounting_import",
        obj=source,
        changes={"file": source.file_name, "as_of": as_of, "rows": len(rows)},
    )
    return source


def latest_imports(cooperative_ids: Iterable[int]) -> list[AccountingImport]:
    """The latest accounting sheet of each cooperative (what the list compares against)."""
    return list(
        AccountingImport.objects.filter(cooperative_id__in=list(cooperative_ids))
        .order_by("cooperative_id", "-as_of", "-id")
        .distinct("cooperative_id")
        .select_related("cooperative")
    )
