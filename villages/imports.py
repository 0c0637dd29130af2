"""Household registration sheets (Excel .xlsx): the template, reading and checking.

One row per person. Rows are grouped into households by the column 户主身份证号码: every
family member repeats the head's ID number there, and exactly one row of the family has
与户主关系 = 户主 with its own ID number equal to it. The head's row gives the household its
村民小组, 住址, 主营项目 and contact phone; the other rows may leave those blank.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from creditcoop.errors import DomainError

from .idcard import id_number_error, normalize_id, phone_error
from .models import Member, Village

COLUMNS = [
    ("group", "村民小组"),
    ("head_id", "户主身份证号码"),
    ("name", "姓名"),
    ("relation", "与户主关系"),
    ("id_number", "身份证号码"),
    ("phone", "手机号"),
    ("address", "住址"),
    ("main_business", "主营项目"),
]
REQUIRED = {"group", "head_id", "name", "relation", "id_number"}
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: what it unpacks to is checked before it is parsed, so that a small file
# that unpacks to gigabytes (a "zip bomb") is refused at once instead of filling the worker.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PACKING_RATIO = 100  # for members over 1 MB; a real sheet packs about 10:1
MAX_MEMBERS = 200
MAX_CELL_CHARS = 1000
MAX_SHEET_ROWS = MAX_ROWS + 5000  # blank rows included

RELATION_WORDS = {
    "户主": Member.Relation.HEAD,
    "本人": Member.Relation.HEAD,
    "配偶": Member.Relation.SPOUSE,
    "妻": Member.Relation.SPOUSE,
    "妻子": Member.Relation.SPOUSE,
    "夫": Member.Relation.SPOUSE,
    "丈夫": Member.Relation.SPOUSE,
    "子女": Member.Relation.CHILD,
    "子": Member.Relation.CHILD,
    "女": Member.Relation.CHILD,
    "儿子": Member.Relation.CHILD,
    "女儿": Member.Relation.CHILD,
    "长子": Member.Relation.CHILD,
    "长女": Member.Relation.CHILD,
    "次子": Member.Relation.CHILD,
    "次女": Member.Relation.CHILD,
    "父母": Member.Relation.PARENT,
    "父亲": Member.Relation.PARENT,
    "母亲": Member.Relation.PARENT,
    "兄弟姐妹": Member.Relation.SIBLING,
    "兄": Member.Relation.SIBLING,
    "弟": Member.Relation.SIBLING,
    "姐": Member.Relation.SIBLING,
    "妹": Member.Relation.SIBLING,
    "孙子女": Member.Relation.GRANDCHILD,
    "孙子": Member.Relation.GRANDCHILD,
    "孙女": Member.Relation.GRANDCHILD,
    "其他": Member.Relation.OTHER,
}
RELATION_HINT = "户主、配偶、子女、父母、兄弟姐妹、孙子女、其他"


class SheetError(DomainError):
    """The file as a whole cannot be used (not Excel, no header, too big)."""


def _field_lengths() -> dict[str, tuple[int, str]]:
    """The longest value each column may hold: the shortest of the fields it is saved in."""
    from .models import Household

    def length(model, field):
        return model._meta.get_field(field).max_length

    return {
        "name": (min(length(Member, "name"), length(Household, "head_name")), "姓名"),
        "phone": (min(length(Member, "phone"), length(Household, "phone")), "手机号"),
        "address": (length(Household, "address"), "住址"),
        "main_business": (length(Household, "main_business"), "主营项目"),
        "group": (50, "村民小组"),
        "relation": (20, "与户主关系"),
    }


def _check_packing(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise SheetError("上传的文件结构异常（内含文件过多），请用系统模板重新填写后上传。")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > MAX_PACKING_RATIO:
            raise SheetError(
                "上传的文件解压后异常庞大（压缩比过高），不能导入；请用系统模板重新填写后上传。"
            )
    if total > MAX_UNPACKED_BYTES:
        raise SheetError(
            f"上传的文件解压后超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB，"
            "不能导入；请分批导入或删除多余的工作表。"
        )


def template_workbook(village: Village) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "农户名单"
    ws.append([label for _key, label in COLUMNS])
    widths = [10, 22, 10, 12, 22, 14, 30, 16]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    # ID and phone columns as text, so Excel does not turn 18 digits into 4.1E+17.
    for col in ("B", "E", "F"):
        for row in range(2, 1002):
            ws[f"{col}{row}"].number_format = "@"
    relations = DataValidation(
        type="list", formula1='"户主,配偶,子女,父母,兄弟姐妹,孙子女,其他"', allow_blank=True
    )
    ws.add_data_validation(relations)
    relations.add("D2:D1001")
    ws.freeze_panes = "A2"

    guide = wb.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 100
    lines = [
        f"{village} 农户批量登记表 填写说明",
        "1. 每人一行；同一户的成员在“户主身份证号码”列都填写户主的身份证号码。",
        "2. 每户有且只有一行“与户主关系”为“户主”，该行的“身份证号码”与“户主身份证号码”相同。",
        f"3. 与户主关系可填：{RELATION_HINT}。",
        "4. 村民小组填小组名称或组号；本村现有小组："
        + "、".join(f"{g.number}（{g.name}）" for g in village.groups.all()),
        "5. 户主行的村民小组、住址、主营项目、手机号作为该户信息；其他成员可不填小组、住址。",
        "6. 身份证号码为18位（最后一位可为X），请保持单元格为文本格式；手机号为11位。",
        "7. 上传后系统逐行检查，全部无误后才能确认导入；有任何错误都不会保存。",
        "示例（请勿填入“农户名单”表）：",
        "一组 | 410102198005170012 | 张三 | 户主 | 410102198005170012 | 13800000000 | 一组12号 | 种植",
        "一组 | 410102198005170012 | 李梅 | 配偶 | 41010219820101002X | | |",
    ]
    for line in lines:
        guide.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_text(value) -> tuple[str, bool]:
    """The cell as text, and whether it was a fractional/huge number Excel may have rounded."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)), False
        return f"{value:.0f}", True
    if isinstance(value, (datetime, date)):
        return value.isoformat(), False
    return str(value).strip(), False


def sheet_read(upload) -> list[dict]:
    """The data rows of the first sheet as dicts (see COLUMNS); SheetError if unusable."""
    return read_rows(
        upload, columns=COLUMNS, required=REQUIRED, number_keys=("id_number", "head_id")
    )


def read_rows(upload, *, columns, required, number_keys=()) -> list[dict]:
    """The data rows of an uploaded sheet's first worksheet as dicts keyed by `columns`
    (key, header label); `number_keys`: columns Excel must not have stored as a rounded
    number (a row gets ``numeric_id``). SheetError when the file is unusable. Shared by
    every import with a preview (households here, off-balance loans in recovery)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise SheetError(_("文件超过 5 MB，请分批导入。"))
    data = upload.read()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SheetError(_("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为 .xlsx”后再上传。"))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetError(_("上传的文件不是 Excel（.xlsx）文件，请下载模板填写后上传。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_packing(archive)
    except zipfile.BadZipFile:
        raise SheetError("上传的文件不是有效的 Excel（.xlsx）文件，请下载模板填写后上传。")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetError(_("上传的文件不是有效的 Excel（.xlsx）文件，请下载模板填写后上传。"))
    try:
        ws = wb.worksheets[0]
        cells = ws.iter_rows(values_only=True)
        header = next(cells, None) or ()
        labels = {label: key for key, label in columns}
        index = {}
        for i, h in enumerate(header):
            key = labels.get(_cell_text(h)[0])
            if key and key not in index:
                index[key] = i
        missing = [label for key, label in columns if key in required and key not in index]
        if missing:
            raise SheetError(
                _("第一行表头缺少：%(missing)s。请使用系统提供的模板。")
                % {"missing": "、".join(missing)}
            )
        rows = []
        for number, values in enumerate(cells, start=2):
            if number > MAX_SHEET_ROWS:
                raise SheetError(
                    f"表格超过 {MAX_SHEET_ROWS} 行（含空行），请删除多余的行后重新上传。"
                )
            row = {"row": number, "errors": []}
            numeric_id = False
            for key, label in columns:
                i = index.get(key)
                raw = values[i] if i is not None and i < len(values) else None
                text, rounded = _cell_text(raw)
                if len(text) > MAX_CELL_CHARS:
                    raise SheetError(
                        f"第 {number} 行“{label}”超过 {MAX_CELL_CHARS} 字，不像是登记内容；"
                        "请检查后重新上传。"
                    )
                row[key] = text
                if key in number_keys and rounded:
                    numeric_id = True
            if not any(row[key] for key, _label in columns):
                continue
            row["numeric_id"] = numeric_id
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise SheetError(_("一次最多导入 %(n)s 行，请分批导入。") % {"n": MAX_ROWS})
    finally:
        wb.close()
    if not rows:
        raise SheetError(_("表格中没有数据行。"))
    return rows


def _group_lookup(village: Village) -> dict[str, int]:
    lookup = {}
    for g in village.groups.all():
        lookup[g.name] = g.pk
        lookup[str(g.number)] = g.pk
        lookup[f"{g.number}组"] = g.pk
        lookup[f"第{g.number}组"] = g.pk
    return lookup


def sheet_check(rows: list[dict], *, village: Village) -> int:
    """Fill each row's `errors` (Chinese) and `relation_code`/`group_id`; returns the count."""
    groups = _group_lookup(village)
    group_names = "、".join(g.name for g in village.groups.all()) or "（本村尚未设置村民小组）"
    seen: dict[str, int] = {}
    lengths = _field_lengths()
    for row in rows:
        errors = row["errors"] = []
        for key, (most, label) in lengths.items():
            if len(row[key]) > most:
                errors.append(f"{label}最多 {most} 个字，这里有 {len(row[key])} 个。")
        row["id_number"] = normalize_id(row["id_number"])
        row["head_id"] = normalize_id(row["head_id"])
        if not row["name"]:
            errors.append("姓名未填写。")
        relation = RELATION_WORDS.get(row["relation"])
        row["relation_code"] = relation or ""
        if not row["relation"]:
            errors.append("与户主关系未填写。")
        elif relation is None:
            errors.append(f"与户主关系“{row['relation']}”无法识别，应为：{RELATION_HINT}。")
        if row.get("numeric_id"):
            errors.append(
                "身份证号码被 Excel 存成了数字，后几位已丢失；请把该列设为文本格式后重新填写。"
            )
        elif not row["id_number"]:
            errors.append("身份证号码未填写。")
        elif msg := id_number_error(row["id_number"]):
            errors.append(msg)
        elif row["id_number"] in seen:
            errors.append(f"身份证号码与第 {seen[row['id_number']]} 行重复。")
        else:
            seen[row["id_number"]] = row["row"]
        if not row["head_id"]:
            if relation == Member.Relation.HEAD:
                row["head_id"] = row["id_number"]
            else:
                errors.append("户主身份证号码未填写。")
        elif not row.get("numeric_id") and (msg := id_number_error(row["head_id"])):
            errors.append("户主" + msg)
        if msg := phone_error(row["phone"]):
            errors.append(msg)
        row["group_id"] = groups.get(row["group"]) if row["group"] else None
        if row["group"] and row["group_id"] is None:
            errors.append(f"村民小组“{row['group']}”不存在，本村的小组有：{group_names}。")

    by_id = {r["id_number"]: r for r in reversed(rows)}  # the first row with each ID
    for other in Member.objects.filter(id_number__in=list(seen)).select_related(
        "household__village"
    ):
        by_id[other.id_number]["errors"].append(
            f"该身份证号码已登记在{other.household.village}（{other.household}），不能重复登记。"
        )

    families: dict[str, list[dict]] = {}
    for row in rows:
        if row["head_id"]:
            families.setdefault(row["head_id"], []).append(row)
    for head_id, members in families.items():
        heads = [r for r in members if r["relation_code"] == Member.Relation.HEAD]
        for r in heads:
            if r["id_number"] != head_id:
                r["errors"].append("户主行的身份证号码应与“户主身份证号码”一致。")
        true_heads = [r for r in heads if r["id_number"] == head_id]
        if len(heads) > 1:
            for r in heads[1:]:
                r["errors"].append(f"户主身份证号码 {head_id} 的这一户有多名户主。")
        if not true_heads:
            for r in members:
                r["errors"].append(
                    f"找不到户主：需有一行“与户主关系”为户主、身份证号码为 {head_id}。"
                )
            continue
        head = true_heads[0]
        if not head["group"]:
            head["errors"].append("户主行必须填写村民小组。")
        for r in members:
            if r is not head and r["group_id"] and r["group_id"] != head["group_id"]:
                r["errors"].append("村民小组与户主不一致。")
    return sum(len(r["errors"]) for r in rows)


def sheet_households(rows: list[dict], *, village: Village) -> list[dict]:
    """A checked, error-free sheet as households, in the order their heads appear."""
    families: dict[str, dict] = {}
    for row in rows:
        if row["relation_code"] == Member.Relation.HEAD:
            families[row["head_id"]] = {
                "group_id": row["group_id"],
                "head_name": row["name"],
                "address": row["address"],
                "phone": row["phone"],
                "main_business": row["main_business"],
                "members": [],
            }
    for row in rows:
        families[row["head_id"]]["members"].append(
            {
                "name": row["name"],
                "relation": row["relation_code"],
                "id_number": row["id_number"],
                "phone": row["phone"],
            }
        )
    return list(families.values())
