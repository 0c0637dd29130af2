"""The off-balance stock sheet (表外不良贷款导入): template, reading and row-by-row checks.

One row per loan. Written-off, replaced and other off-balance loans the cooperative still
pursues; on-balance non-performing loans enter the register by themselves every night.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook

from creditcoop.hooks import id_number_error, normalize_id, phone_error
from creditcoop.models import Role, Staff
from creditcoop.money import ascii_digits
from villages.imports import SheetError, read_rows
from villages.models import Village

from .models import NplRecord, RiskClass

COLUMNS = [
    ("loan_number", "借据编号"),
    ("contract_number", "合同编号"),
    ("name", "借款人"),
    ("id_number", "身份证号码"),
    ("phone", "联系电话"),
    ("village", "行政村"),
    ("book_status", "账务状态"),
    ("subject", "会计科目"),
    ("risk_class", "五级分类"),
    ("amount", "原借款金额"),
    ("principal", "本金余额"),
    ("interest", "欠息"),
    ("penalty", "罚息"),
    ("drawn_on", "放款日期"),
    ("due_on", "到期日"),
    ("collector", "清收责任人工号"),
    ("cause", "形成原因"),
    ("actual_user", "实际用款人"),
    ("last_payment_on", "最后还款日期"),
    ("guarantor", "保证人"),
    ("guarantor_id", "保证人身份证号码"),
    ("guarantee_signed_on", "保证合同日期"),
]
REQUIRED = {"loan_number", "name", "book_status", "amount", "principal", "drawn_on", "due_on"}

BOOK_WORDS = {
    "已核销": NplRecord.BookStatus.WRITTEN_OFF,
    "核销": NplRecord.BookStatus.WRITTEN_OFF,
    "账销案存": NplRecord.BookStatus.WRITTEN_OFF,
    "已置换": NplRecord.BookStatus.REPLACED,
    "置换": NplRecord.BookStatus.REPLACED,
    "其他表外": NplRecord.BookStatus.OTHER,
    "表外": NplRecord.BookStatus.OTHER,
}
CLASS_WORDS = {"次级": RiskClass.SUBSTANDARD, "可疑": RiskClass.DOUBTFUL, "损失": RiskClass.LOSS}
CAUSE_WORDS = {str(label): value for value, label in NplRecord.Cause.choices}
USER_WORDS = {str(label): value for value, label in NplRecord.ActualUser.choices}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def template_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "表外不良贷款"
    ws.append([label for _key, label in COLUMNS])
    for i in range(len(COLUMNS)):
        ws.column_dimensions[chr(ord("A") + i)].width = 14
    for col in ("A", "B", "D", "E", "P", "U"):
        for row in range(2, 1002):
            ws[f"{col}{row}"].number_format = "@"
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 100
    for line in [
        "表外不良贷款导入表 填写说明",
        "1. 每笔贷款一行；借据编号在本社内不能重复，已登记的不能再导入。",
        "2. 账务状态填：已核销、已置换、其他表外。表内不良贷款由系统每晚按五级分类自动登记，不在此导入。",
        "3. 五级分类填：次级、可疑、损失（不填按损失）。",
        "4. 日期写成 1998-05-01；金额单位为元。",
        "5. 行政村填本社的村名；清收责任人填本社信贷员或主任的工号（不填则为包村信贷员）。",
        "6. 形成原因可填：" + "、".join(CAUSE_WORDS) + "。",
        "7. 实际用款人可填：" + "、".join(USER_WORDS) + "（不填为借款人本人）。",
        "8. 有保证人的填保证人姓名、身份证号码和保证合同日期（一行一名保证人）。",
        "9. 上传后逐行检查，全部无误后才能确认导入；有任何错误都不会保存。",
    ]:
        guide.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_read(upload) -> list[dict]:
    return read_rows(
        upload, columns=COLUMNS, required=REQUIRED, number_keys=("id_number", "guarantor_id")
    )


def _date(text: str) -> date | None:
    m = _DATE.match(ascii_digits(text).strip())
    if not m and re.fullmatch(r"\d{8}", text.strip()):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", text.strip())
    if not m:
        raise ValueError
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _money(text: str) -> Decimal:
    value = Decimal(ascii_digits(text).replace(",", "").strip())
    if value < 0 or value != value.quantize(Decimal("0.01")) or value >= Decimal("1e12"):
        raise InvalidOperation
    return value


def sheet_check(rows: list[dict], *, cooperative, today: date) -> int:
    """Fill each row's `errors` (Chinese) and its parsed values under `clean`; returns the
    number of errors."""
    villages = {v.name: v.pk for v in Village.objects.filter(cooperative=cooperative)}
    officers = dict(Village.objects.filter(cooperative=cooperative).values_list("pk", "officer_id"))
    staff = {
        s.username: s.pk
        for s in Staff.objects.filter(cooperative=cooperative, is_active=True)
        if s.has_role(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY)
    }
    seen: dict[str, int] = {}
    for row in rows:
        errors = row["errors"] = []
        clean = row["clean"] = {}
        number = ascii_digits(row["loan_number"]).strip().upper()
        clean["loan_number"] = number
        if not number:
            errors.append("借据编号未填写。")
        elif len(number) > 40:
            errors.append("借据编号最多 40 个字符。")
        elif number in seen:
            errors.append(f"借据编号与第 {seen[number]} 行重复。")
        else:
            seen[number] = row["row"]
        clean["contract_number"] = row["contract_number"][:40]
        clean["name"] = row["name"].strip()
        if not clean["name"]:
            errors.append("借款人未填写。")
        elif len(clean["name"]) > 50:
            errors.append("借款人姓名过长。")
        for key, label in (("id_number", "身份证号码"), ("guarantor_id", "保证人身份证号码")):
            clean[key] = normalize_id(row[key]) if row[key] else ""
            if row.get("numeric_id") and row[key]:
                errors.append(
                    f"{label}被 Excel 存成了数字，后几位已丢失；请设为文本格式后重新填写。"
                )
            elif clean[key] and (msg := id_number_error(clean[key])):
                errors.append(f"{label}：{msg}")
        clean["phone"] = row["phone"].strip()
        if clean["phone"] and (msg := phone_error(clean["phone"])):
            errors.append(msg)
        clean["village_id"] = None
        if row["village"]:
            clean["village_id"] = villages.get(row["village"].strip())
            if clean["village_id"] is None:
                errors.append(f"行政村“{row['village']}”不是本社的村。")
        book = BOOK_WORDS.get(row["book_status"].strip())
        clean["book_status"] = book or ""
        if not book:
            errors.append("账务状态应为：已核销、已置换或其他表外（表内不良贷款自动登记）。")
        klass = CLASS_WORDS.get(row["risk_class"].strip()) if row["risk_class"] else RiskClass.LOSS
        clean["risk_class"] = klass
        if klass is None:
            errors.append("五级分类应为：次级、可疑或损失。")
        bad = set()
        for key, label, needed in (
            ("amount", "原借款金额", True),
            ("principal", "本金余额", True),
            ("interest", "欠息", False),
            ("penalty", "罚息", False),
        ):
            clean[key] = "0.00"
            if not row[key]:
                if needed:
                    errors.append(f"{label}未填写。")
                    bad.add(key)
                continue
            try:
                clean[key] = str(_money(row[key]))
            except (InvalidOperation, ValueError):
                errors.append(f"{label}“{row[key]}”不是正确的金额。")
                bad.add(key)
        if not bad & {"amount", "principal"} and Decimal(clean["principal"]) > Decimal(
            clean["amount"]
        ):
            errors.append("本金余额不能大于原借款金额。")
        for key, label, needed in (
            ("drawn_on", "放款日期", True),
            ("due_on", "到期日", True),
            ("last_payment_on", "最后还款日期", False),
            ("guarantee_signed_on", "保证合同日期", False),
        ):
            clean[key] = None
            if not row[key]:
                if needed:
                    errors.append(f"{label}未填写。")
                continue
            try:
                value = _date(row[key])
            except ValueError:
                errors.append(f"{label}“{row[key]}”不是正确的日期（如 1998-05-01）。")
                continue
            if value > today:
                errors.append(f"{label}不能晚于今天。")
            clean[key] = value.isoformat()
        if clean["drawn_on"] and clean["due_on"] and clean["due_on"] < clean["drawn_on"]:
            errors.append("到期日不能早于放款日期。")
        clean["collector_id"] = officers.get(clean["village_id"]) if clean["village_id"] else None
        if row["collector"]:
            clean["collector_id"] = staff.get(row["collector"].strip())
            if clean["collector_id"] is None:
                errors.append(f"工号“{row['collector']}”不是本社在岗的信贷员或主任。")
        clean["cause"] = NplRecord.Cause.OTHER
        if row["cause"]:
            clean["cause"] = CAUSE_WORDS.get(row["cause"].strip(), "")
            if not clean["cause"]:
                errors.append(f"形成原因“{row['cause']}”无法识别。")
        clean["actual_user"] = NplRecord.ActualUser.BORROWER
        if row["actual_user"]:
            clean["actual_user"] = USER_WORDS.get(row["actual_user"].strip(), "")
            if not clean["actual_user"]:
                errors.append(f"实际用款人“{row['actual_user']}”无法识别。")
        clean["subject"] = row["subject"].strip()[:20]
        clean["guarantor"] = row["guarantor"].strip()[:50]
        if (clean["guarantor_id"] or clean["guarantee_signed_on"]) and not clean["guarantor"]:
            errors.append("填写了保证人身份证号码或保证合同日期，但没有填保证人姓名。")
    taken = set(
        NplRecord.objects.filter(cooperative=cooperative, loan_number__in=list(seen)).values_list(
            "loan_number", flat=True
        )
    )
    for row in rows:
        if row["clean"]["loan_number"] in taken:
            row["errors"].append("该借据编号已在不良贷款登记簿中，不能重复导入。")
    return sum(len(r["errors"]) for r in rows)


__all__ = ["COLUMNS", "SheetError", "sheet_check", "sheet_read", "template_workbook"]
