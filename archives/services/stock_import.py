"""The existing stock (存量档案): an Excel sheet of a paper archive register imported into the
archive room. A preview checks every row and saves nothing; the confirmation files the whole
sheet in one transaction (docs/rules.md §6.2, like the household import of villages)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from creditcoop.audit import audit_record, audit_record_many, audit_row
from creditcoop.permissions import require_may_write
from loans.models import CreditContract, Loan
from villages.idcard import id_number_error, normalize_id
from villages.imports import MAX_BYTES, MAX_CELL_CHARS, SheetError, _cell_text, _check_packing

from ..models import (
    ArchiveFile,
    ArchiveSettings,
    FileStatus,
    IntakeRecord,
    Retention,
    Section,
    Series,
    StockImport,
)
from ..models.files import LOAN_SECTIONS
from ._common import ArchiveError, require_archivist, today_or
from .files import room_for

IMPORT_TTL = timedelta(hours=24)
MAX_ROWS = 5000
MAX_SHEET_ROWS = MAX_ROWS + 5000  # blank rows included
NOTE = "存量导入"

COLUMNS = [
    ("archive_number", "档案号"),
    ("volume_number", "卷号"),
    ("section", "分类"),
    ("series", "系列"),
    ("borrower", "借款人"),
    ("id_number", "身份证号码"),
    ("contract", "合同编号"),
    ("title", "案卷题名"),
    ("record_date", "形成日期"),
    ("pages", "页数"),
    ("shelf", "架号"),
    ("box", "盒号"),
    ("retention", "保管期限"),
    ("settled_on", "结清日期"),
    ("balance", "档案记载余额"),
]
LABELS = dict(COLUMNS)
REQUIRED_HEADERS = {
    "archive_number",
    "volume_number",
    "section",
    "title",
    "record_date",
    "pages",
    "retention",
}
SERIES_WORDS = {
    "正常类": Series.NORMAL,
    "正常": Series.NORMAL,
    "不良类": Series.NPL,
    "不良": Series.NPL,
}
RETENTION_WORDS = {
    "短期": Retention.SHORT,
    "中长期": Retention.LONG,
    "长期": Retention.LONG,
    "永久": Retention.PERMANENT,
    "会计凭证": Retention.VOUCHER,
}
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _section_words() -> dict[str, str]:
    """'b', 'B', 'b 自然人贷款档案' and '自然人贷款档案' all name section b."""
    words = {}
    for code, label in Section.choices:
        label = str(label)
        words[code] = words[code.upper()] = words[label] = code
        words[label.split(" ", 1)[-1]] = code
    return words


def _field_lengths() -> dict[str, int]:
    field = ArchiveFile._meta.get_field
    return {
        "archive_number": field("archive_number").max_length,
        "volume_number": field("volume_number").max_length,
        "borrower": field("borrower_name").max_length,
        "contract": field("contract_number").max_length,
        "title": field("title").max_length,
        "shelf": field("shelf").max_length,
        "box": field("box").max_length,
    }


# --- the sheet ----------------------------------------------------------------------------------


def template_workbook() -> bytes:
    """The blank register sheet with its instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = "存量档案"
    ws.append([label for _key, label in COLUMNS])
    widths = [22, 18, 18, 10, 10, 22, 20, 36, 12, 8, 8, 8, 10, 12, 14]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for col in ("A", "B", "F", "G"):  # numbers as text, so Excel keeps every digit
        for row in range(2, 1002):
            ws[f"{col}{row}"].number_format = "@"
    for formula, cells in (
        ('"' + ",".join(str(label) for _c, label in Section.choices) + '"', "C2:C1001"),
        ('"正常类,不良类"', "D2:D1001"),
        ('"短期,中长期,永久,会计凭证"', "M2:M1001"),
    ):
        rule = DataValidation(type="list", formula1=formula, allow_blank=True)
        ws.add_data_validation(rule)
        rule.add(cells)
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 110
    for line in [
        "存量信贷档案导入表 填写说明",
        "1. 每份档案一行；档案号在本社档案室内不能重复（表内也不能重复）。",
        "2. 分类填 a–j 或分类名称，如“b”或“自然人贷款档案”。"
        "a–d 为贷款档案，e–j 为管理类档案（不填系列、借款人、合同编号）。",
        "3. 系列只用于贷款档案：正常类或不良类，不填视为正常类。",
        "4. 贷款档案须填借款人；自然人贷款档案（b）须填18位身份证号码（校验位须正确）。",
        "5. 合同编号可不填；与本社授信合同一致时档案与该合同关联，该合同已有档案的不能再导入。",
        "6. 形成日期、结清日期写作 2020-03-15；页数为正整数；档案记载余额以元为单位，可不填。",
        "7. 保管期限填：短期、中长期、永久、会计凭证。",
        "8. 上传后系统逐行检查并列出全部错误；全部无误后才能确认导入，导入一次完成，"
        "有任何错误都不会保存。",
        "示例：A001-b-2019-000123 | A001-b-2019-Z-00003 | b | 正常类 | 张三 | "
        "410102198005170012 | SX2019000123 | 张三农户贷款档案 | 2019-03-15 | 42 | J01 | H012 | "
        "短期 | 2020-03-14 |",
    ]:
        guide.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_read(upload) -> list[dict]:
    """The data rows of the first sheet; SheetError (a DomainError) if the file is unusable."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise SheetError(_("文件超过 5 MB，请分批导入。"))
    data = upload.read()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SheetError(_("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为 .xlsx”后再上传。"))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetError(
            _("上传的文件不是 Excel（.xlsx）文件（文本、CSV 等不能导入），请下载模板填写后上传。")
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_packing(archive)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetError(_("上传的文件不是有效的 Excel（.xlsx）文件，请下载模板填写后上传。"))
    try:
        cells = wb.worksheets[0].iter_rows(values_only=True)
        header = next(cells, None) or ()
        labels = {label: key for key, label in COLUMNS}
        index: dict[str, int] = {}
        for i, h in enumerate(header):
            key = labels.get(_cell_text(h)[0])
            if key and key not in index:
                index[key] = i
        missing = [label for key, label in COLUMNS if key in REQUIRED_HEADERS and key not in index]
        if missing:
            raise SheetError(
                _("第一行表头缺少：%(missing)s。请使用系统提供的模板。")
                % {"missing": "、".join(missing)}
            )
        rows = []
        for number, values in enumerate(cells, start=2):
            if number > MAX_SHEET_ROWS:
                raise SheetError(
                    _("表格超过 %(n)s 行（含空行），请删除多余的行后重新上传。")
                    % {"n": MAX_SHEET_ROWS}
                )
            row: dict = {"row": number, "errors": []}
            for key, label in COLUMNS:
                i = index.get(key)
                raw = values[i] if i is not None and i < len(values) else None
                text, rounded = _cell_text(raw)
                if len(text) > MAX_CELL_CHARS:
                    raise SheetError(
                        _("第 %(row)s 行“%(label)s”超过 %(n)s 字，请检查后重新上传。")
                        % {"row": number, "label": label, "n": MAX_CELL_CHARS}
                    )
                if isinstance(raw, datetime):
                    text = raw.date().isoformat()
                row[key] = text
                if key == "id_number" and rounded:
                    row["numeric_id"] = True
            if not any(row[key] for key, _label in COLUMNS):
                continue
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise SheetError(_("一次最多导入 %(n)s 行，请分批导入。") % {"n": MAX_ROWS})
    finally:
        wb.close()
    if not rows:
        raise SheetError(_("表格中没有数据行。"))
    return rows


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if m := re.match(r"^(\d{4}-\d{2}-\d{2})T", text):
        text = m.group(1)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE_RE.match(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _check_date(row, key, errors, today, *, required: bool) -> date | None:
    text, label = row[key], LABELS[key]
    if not text:
        if required:
            errors.append(_("%(label)s未填写。") % {"label": label})
        return None
    value = _parse_date(text)
    if value is None:
        errors.append(
            _("%(label)s“%(text)s”不是有效日期，应写作 2020-03-15。")
            % {"label": label, "text": text}
        )
    elif value > today:
        errors.append(_("%(label)s %(date)s 晚于今天。") % {"label": label, "date": value})
        return None
    return value


def sheet_check(rows: list[dict], *, cooperative, today=None) -> int:
    """Fill each row's `errors` (Chinese) and its parsed values; returns the number of errors.

    Checked against the database too: archive numbers already in the room, contracts of the
    cooperative and whether they already have a file."""
    today = today_or(today)
    sections = _section_words()
    lengths = _field_lengths()
    seen_numbers: dict[str, int] = {}
    seen_contracts: dict[int, int] = {}
    for row in rows:
        errors = row["errors"] = []
        for key, most in lengths.items():
            if len(row[key]) > most:
                errors.append(
                    _("%(label)s最多 %(most)s 个字，这里有 %(n)s 个。")
                    % {"label": LABELS[key], "most": most, "n": len(row[key])}
                )
        for key in ("archive_number", "volume_number", "title"):
            if not row[key]:
                errors.append(_("%(label)s未填写。") % {"label": LABELS[key]})
        number = row["archive_number"]
        if number:
            if number in seen_numbers:
                errors.append(
                    _("档案号 %(number)s 与第 %(row)s 行重复。")
                    % {"number": number, "row": seen_numbers[number]}
                )
            else:
                seen_numbers[number] = row["row"]

        section = sections.get(row["section"].strip())
        row["section_code"] = section or ""
        if not row["section"]:
            errors.append(_("分类未填写。"))
        elif section is None:
            errors.append(
                _("分类“%(text)s”无法识别，应为 a–j 或分类名称（如“自然人贷款档案”）。")
                % {"text": row["section"]}
            )
        is_loan = section in LOAN_SECTIONS
        series = SERIES_WORDS.get(row["series"].strip()) if row["series"] else None
        row["series_code"] = ""
        if section and not is_loan:
            for key in ("series", "borrower", "contract"):
                if row[key]:
                    errors.append(_("管理类档案（e–j）不填“%(label)s”。") % {"label": LABELS[key]})
        elif row["series"] and series is None:
            errors.append(
                _("系列“%(text)s”无法识别，应为正常类或不良类。") % {"text": row["series"]}
            )
        elif is_loan:
            row["series_code"] = series or Series.NORMAL
        if is_loan and not row["borrower"]:
            errors.append(_("贷款档案须填写借款人。"))

        row["id_number"] = normalize_id(row["id_number"])
        if row.get("numeric_id"):
            errors.append(
                _("身份证号码被 Excel 存成了数字，后几位已丢失；请把该列设为文本格式后重新填写。")
            )
        elif row["id_number"]:
            if msg := id_number_error(row["id_number"]):
                errors.append(msg)
        elif section == Section.PERSONAL:
            errors.append(_("自然人贷款档案须填写身份证号码。"))

        record_date = _check_date(row, "record_date", errors, today, required=True)
        settled_on = _check_date(row, "settled_on", errors, today, required=False)
        row["record_date_iso"] = record_date.isoformat() if record_date else ""
        row["settled_on_iso"] = settled_on.isoformat() if settled_on else ""
        if record_date and settled_on and settled_on < record_date:
            errors.append(_("结清日期早于形成日期。"))

        pages = row["pages"].strip()
        if not pages:
            errors.append(_("页数未填写。"))
        elif not pages.isdigit() or int(pages) <= 0 or int(pages) > 100000:
            errors.append(_("页数“%(text)s”应为正整数。") % {"text": pages})

        retention = RETENTION_WORDS.get(row["retention"].strip())
        row["retention_code"] = retention or ""
        if not row["retention"]:
            errors.append(_("保管期限未填写。"))
        elif retention is None:
            errors.append(
                _("保管期限“%(text)s”无法识别，应为：短期、中长期、永久、会计凭证。")
                % {"text": row["retention"]}
            )

        row["balance_value"] = ""
        if row["balance"]:
            try:
                balance = Decimal(row["balance"].replace(",", "").replace("，", ""))
            except InvalidOperation:
                balance = None
            if balance is None or not balance.is_finite():
                errors.append(_("档案记载余额“%(text)s”不是数字。") % {"text": row["balance"]})
            elif (
                balance < 0
                or balance >= Decimal("1e12")
                or balance != balance.quantize(Decimal("0.01"))
            ):
                errors.append(_("档案记载余额应为不小于 0、最多两位小数的金额（元）。"))
            else:
                row["balance_value"] = str(balance.quantize(Decimal("0.01")))

    # Against the room: archive numbers already there.
    taken = set(
        ArchiveFile.objects.filter(
            cooperative=cooperative, archive_number__in=list(seen_numbers)
        ).values_list("archive_number", flat=True)
    )
    for row in rows:
        if row["archive_number"] in taken and seen_numbers.get(row["archive_number"]) == row["row"]:
            row["errors"].append(
                _("档案号 %(number)s 已在本社档案室登记，不能重复导入。")
                % {"number": row["archive_number"]}
            )

    # Contracts of the cooperative: linked when the number matches.
    numbers = {r["contract"] for r in rows if r["contract"] and r["section_code"] in LOAN_SECTIONS}
    contracts = {
        c.number: c
        for c in CreditContract.objects.filter(cooperative=cooperative, number__in=numbers)
        .select_related("borrower")
        .only("id", "number", "borrower__id_number", "borrower__name")
    }
    filed = dict(
        ArchiveFile.objects.filter(contract__in=contracts.values()).values_list(
            "contract_id", "archive_number"
        )
    )
    for row in rows:
        contract = contracts.get(row["contract"]) if row["section_code"] in LOAN_SECTIONS else None
        row["contract_id"] = contract.pk if contract else None
        if contract is None:
            continue
        if contract.pk in filed:
            row["errors"].append(
                _("合同 %(number)s 已有档案（%(file)s），不能再导入。")
                % {"number": contract.number, "file": filed[contract.pk] or _("整理中")}
            )
        elif contract.pk in seen_contracts:
            row["errors"].append(
                _("合同 %(number)s 与第 %(row)s 行重复。")
                % {"number": contract.number, "row": seen_contracts[contract.pk]}
            )
        else:
            seen_contracts[contract.pk] = row["row"]
        if row["id_number"] and row["id_number"] != contract.borrower.id_number:
            row["errors"].append(
                _("身份证号码与合同 %(number)s 的借款人（%(name)s）不一致。")
                % {"number": contract.number, "name": contract.borrower.name}
            )
    return sum(len(r["errors"]) for r in rows)


# --- preview and confirmation ------------------------------------------------------------------


def stock_import_preview(*, actor, upload, today=None) -> StockImport:
    """Read and check an uploaded register; nothing is filed yet."""
    require_may_write(actor)
    require_archivist(actor)
    cooperative = actor.cooperative
    if cooperative is None:
        raise ArchiveError(_("只有信用社的档案管理员可以导入存量档案。"))
    rows = sheet_read(upload)
    error_count = sheet_check(rows, cooperative=cooperative, today=today)
    with transaction.atomic():
        # Sheets never confirmed hold personal data for nothing; drop the stale ones.
        StockImport.objects.filter(
            status=StockImport.Status.PENDING, created_at__lt=timezone.now() - IMPORT_TTL
        ).delete()
        return StockImport.objects.create(
            cooperative=cooperative,
            uploaded_by=actor,
            file_name=(getattr(upload, "name", "") or "")[:200],
            rows=rows,
            error_count=error_count,
        )


def _keep_until(retention: str, settled_on: date | None, s: ArchiveSettings) -> date | None:
    """Counted from 1 January of the year after settlement (docs/rules.md §6.7)."""
    years = s.retention_years(retention)
    if settled_on is None or years is None:
        return None
    return date(settled_on.year + years, 12, 31)


def stock_import_confirm(*, actor, token, today=None) -> int:
    """File every row of a clean sheet in the archive room, in one transaction; returns how
    many. The rows are checked again first (numbers or contracts may have been taken since)."""
    require_may_write(actor)
    require_archivist(actor)
    today = today_or(today)
    with transaction.atomic():
        batch = (
            StockImport.objects.select_for_update()
            .filter(token=token, cooperative_id=actor.cooperative_id, uploaded_by=actor)
            .select_related("cooperative")
            .first()
        )
        if batch is None or batch.created_at < timezone.now() - IMPORT_TTL:
            raise ArchiveError(_("导入批次不存在或已过期，请重新上传。"))
        if batch.status != StockImport.Status.PENDING:
            raise ArchiveError(_("该批次已经导入过了。"))
        require_archivist(actor, batch.cooperative_id)
        cooperative = batch.cooperative
        error_count = sheet_check(batch.rows, cooperative=cooperative, today=today)
        if error_count:
            # Keep the re-check's findings for the preview; nothing else is written.
            batch.error_count = error_count
            batch.save(update_fields=["rows", "error_count"])
        else:
            return _file_rows(actor=actor, batch=batch, today=today)
    raise ArchiveError(_("表格中有 %(n)s 处错误，请修改后重新上传。") % {"n": error_count})


def _file_rows(*, actor, batch: StockImport, today: date) -> int:
    s = ArchiveSettings.current()
    room = room_for(batch.cooperative)
    rows = batch.rows
    contract_ids = [r["contract_id"] for r in rows if r["contract_id"]]
    contracts = (
        CreditContract.objects.select_for_update(of=("self",))
        .select_related("village")
        .in_bulk(contract_ids)
    )
    worst = dict(
        Loan.objects.filter(contract_id__in=contract_ids, status=Loan.Status.OPEN)
        .values("contract_id")
        .annotate(worst=Max("risk_class"))
        .values_list("contract_id", "worst")
    )
    files = []
    for r in rows:
        section = r["section_code"]
        is_loan = section in LOAN_SECTIONS
        contract = contracts.get(r["contract_id"]) if r["contract_id"] else None
        series = r["series_code"] if is_loan else ""
        if contract is not None:
            risk = worst.get(contract.pk, 0)
        else:
            risk = s.npl_from_class if series == Series.NPL else 0
        settled_on = date.fromisoformat(r["settled_on_iso"]) if r["settled_on_iso"] else None
        if r["balance_value"]:
            balance = Decimal(r["balance_value"])
        else:
            balance = contract.outstanding if contract is not None else Decimal("0.00")
        files.append(
            ArchiveFile(
                cooperative=batch.cooperative,
                room=room,
                section=section,
                series=series,
                colour=s.colour_for(risk) if is_loan else "",
                status=FileStatus.IN_ROOM,
                title=r["title"],
                record_date=date.fromisoformat(r["record_date_iso"]),
                contract=contract,
                household_id=contract.household_id if contract else None,
                village_id=contract.village_id if contract else None,
                officer_id=(
                    (contract.village.officer_id or contract.signed_by_id) if contract else None
                ),
                borrower_name=r["borrower"],
                id_number=r["id_number"],
                contract_number=r["contract"] if is_loan else "",
                risk_class=risk,
                recorded_balance=balance,
                archive_number=r["archive_number"],
                volume_number=r["volume_number"],
                pages=int(r["pages"]),
                shelf=r["shelf"],
                box=r["box"],
                retention=r["retention_code"],
                settled_on=settled_on,
                keep_until=_keep_until(r["retention_code"], settled_on, s),
                opened_on=date.fromisoformat(r["record_date_iso"]),
                filed_on=today,
            )
        )
    try:
        with transaction.atomic():
            files = ArchiveFile.objects.bulk_create(files, batch_size=500)
    except IntegrityError:
        raise ArchiveError(_("表格中的档案号或合同刚被他人登记，请重新上传核对。"))
    IntakeRecord.objects.bulk_create(
        [
            IntakeRecord(
                room=room,
                file=f,
                archive_number=f.archive_number,
                volume_number=f.volume_number,
                pages=f.pages,
                shelf=f.shelf,
                box=f.box,
                received_on=today,
                received_by=actor,
                note=NOTE,
            )
            for f in files
        ],
        batch_size=1000,
    )
    changes = {"file": batch.file_name, "files": len(files)}
    # The files are filed now; the copy of the sheet (personal data) is not needed any more.
    batch.status, batch.rows = StockImport.Status.DONE, []
    batch.save(update_fields=["status", "rows"])
    audit_record(
        actor=actor,
        action="archives.stock_import",
        obj=batch,
        changes=changes,
        cooperative=batch.cooperative,
    )
    audit_record_many(
        audit_row(
            actor=actor,
            action="archives.stock_import",
            obj=f,
            changes={"import": str(batch.token), "volume": f.volume_number, "pages": f.pages},
            cooperative_id=f.cooperative_id,
        )
        for f in files
    )
    return len(files)
