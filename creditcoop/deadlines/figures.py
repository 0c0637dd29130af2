"""The deadlines' monthly figures (docs/rules.md §8), per cooperative and deadline kind."""

from creditcoop.reporting.figures import figure_rows, stock_day

from .models import Deadline

ROWS = figure_rows(
    ["'deadlines_closed', d.kind, d.closed", "'deadlines_on_time', d.kind, d.on_time"]
)


def deadline_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """deadlines_closed / deadlines_on_time by kind (flow: clocks stopped in the month, and
    of those the ones stopped on or before the due day), deadlines_open_overdue (stock:
    clocks still running and late on the stock day: past the due working day)."""
    table = Deadline._meta.db_table
    sql = f"""
        SELECT d.cooperative_id, NULL::bigint, f.metric, f.key, f.value
        FROM (SELECT cooperative_id, kind, count(*) AS closed,
                     count(*) FILTER (WHERE stopped_on <= due_on) AS on_time
              FROM {table} WHERE stopped_on BETWEEN %s AND %s
              GROUP BY cooperative_id, kind) d
        {ROWS}
        UNION ALL
        SELECT cooperative_id, NULL::bigint, 'deadlines_open_overdue', '', count(*)
        FROM {table} WHERE stopped_at IS NULL AND late_on <= %s
        GROUP BY cooperative_id
    """  # noqa: S608
    return sql, [month_start, month_end, stock_day(month_end=month_end, today=today)]
