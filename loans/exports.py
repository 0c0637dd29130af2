"""Excel ledgers: rows streamed from a server-side cursor into a write-only workbook."""

from creditcoop.exports import xlsx_response

from .models import RiskClass

LEDGER_COLUMNS = [
    ("行政村", 12),
    ("村民小组", 10),
    ("借款人", 10),
    ("住址", 24),
    ("联系电话", 14),
    ("贷款证编号", 16),
    ("授信合同", 18),
    ("信用等级", 8),
    ("授信额度", 12),
    ("贷款余额", 12),
    ("授信到期日", 12),
    ("最近借据到期日", 14),
    ("五级分类", 8),
    ("包村信贷员", 10),
]
CLASS_LABELS = dict(RiskClass.choices)


def ledger_row(c):
    certificate = getattr(c, "certificate", None)
    return (
        str(c.village),
        c.household.group.name,
        c.borrower.name,
        c.household.address,
        c.borrower.phone or c.household.phone,
        certificate.number if certificate else "",
        c.number,
        c.grade,
        c.line,
        c.outstanding,
        c.end_date,
        c.next_due,
        str(CLASS_LABELS.get(c.worst_class, "")) if c.worst_class is not None else "",
        c.village.officer.name if c.village.officer_id else "",
    )


def ledger_xlsx(qs, *, title: str, scope: str = ""):
    rows = (ledger_row(c) for c in qs.iterator(chunk_size=2000))
    return xlsx_response(
        filename=f"{title}.xlsx", title=title, scope=scope, columns=LEDGER_COLUMNS, rows=rows
    )
