"""The archives' monthly figures (docs/rules.md §8), per cooperative (stock)."""

from creditcoop.reporting.figures import stock_day

from .models import ArchiveFile, Borrowing, FileItem, FileStatus
from .models.files import LOAN_SECTIONS


def archive_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """archive_incomplete: loan files still being prepared with a required item missing (or
    sent back); archive_lent: files lent out; archive_overdue: loan-outs not returned after
    their due date."""
    files, items = ArchiveFile._meta.db_table, FileItem._meta.db_table
    sections = sorted(str(s) for s in LOAN_SECTIONS)
    sql = f"""
        SELECT a.cooperative_id, NULL::bigint, 'archive_incomplete', '', count(*)
        FROM {files} a
        WHERE a.status = %s AND a.section = ANY(%s) AND EXISTS (
            SELECT 1 FROM {items} i WHERE i.file_id = a.id AND i.required
               AND i.status IN ('missing', 'rejected'))
        GROUP BY a.cooperative_id
        UNION ALL
        SELECT a.cooperative_id, NULL::bigint, 'archive_lent', '', count(*)
        FROM {files} a WHERE a.status = %s
        GROUP BY a.cooperative_id
        UNION ALL
        SELECT b.cooperative_id, NULL::bigint, 'archive_overdue', '', count(*)
        FROM {Borrowing._meta.db_table} b WHERE b.status = 'issued' AND b.due_date < %s
        GROUP BY b.cooperative_id
    """  # noqa: S608
    return sql, [
        FileStatus.PREPARING,
        sections,
        FileStatus.LENT,
        stock_day(month_end=month_end, today=today),
    ]
