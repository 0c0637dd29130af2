"""The public notice's monthly figures (docs/rules.md §8): notices running, objections."""

from creditcoop.reporting.figures import figure_rows
from villages.models import Village

from .models import NoticeBatch, Objection

ROWS = figure_rows(
    [
        "'notices_running', '', n.running",
        "'objections_open', '', n.open",
        "'objections_month', '', n.month",
    ]
)


def notice_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """notices_running and objections_open (stock: published and not ended; received and
    not closed), objections_month (flow: received in the month), per village."""
    batch, objection = NoticeBatch._meta.db_table, Objection._meta.db_table
    sql = f"""
        SELECT v.cooperative_id, v.id AS village_id, f.metric, f.key, f.value
        FROM (
            SELECT x.village_id, sum(x.running) AS running, sum(x.open) AS open,
                   sum(x.month) AS month
            FROM (
                SELECT b.village_id, count(*) AS running, 0 AS open, 0 AS month
                FROM {batch} b WHERE b.status = 'published'
                GROUP BY b.village_id
                UNION ALL
                SELECT b.village_id, 0, count(*) FILTER (WHERE o.status <> 'closed'),
                       count(*) FILTER (WHERE o.filed_on BETWEEN %s AND %s)
                FROM {objection} o JOIN {batch} b ON b.id = o.batch_id
                WHERE o.status <> 'closed' OR o.filed_on BETWEEN %s AND %s
                GROUP BY b.village_id
            ) x
            GROUP BY x.village_id
        ) n
        JOIN {Village._meta.db_table} v ON v.id = n.village_id
        {ROWS}
    """  # noqa: S608
    return sql, [month_start, month_end, month_start, month_end]
