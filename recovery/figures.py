"""The recovery monthly figures (docs/rules.md §8), per cooperative: the NPL register's stock
by vintage segment, recoveries against the year's locked baseline, limitation expiring."""

from datetime import date, timedelta

from creditcoop.reporting.figures import figure_rows, stock_day

from .board import EXPIRY_WINDOWS
from .models import NplRecord, RecoveryEntry, VintageScheme, VintageSegment, YearBaseline

RECORD = NplRecord._meta.db_table

STOCK_ROWS = figure_rows(
    [
        "'npl_register_count', '', t.n",
        "'npl_register_balance', '', t.balance",
        *(f"'limitation_expiring', '{d}', t.d{d}" for d in EXPIRY_WINDOWS),
    ]
)
VINTAGE_ROWS = figure_rows(
    ["'npl_vintage_count', s.key, s.n", "'npl_vintage_balance', s.key, s.balance"]
)
RECOVERED_ROWS = figure_rows(["'recovered_amount', '', t.month", "'recovered_year', '', t.year"])


def npl_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """npl_register_count / _balance (stock: records still pursued, on and off balance),
    npl_vintage_count / _balance by "<scheme>:<segment>" of the active schemes (the same
    records by drawn date, grouped by day before the join on the segments' ranges, as the
    recovery board does), limitation_expiring "30"/"60"/"90" (records whose limitation ends
    within that many days of the stock day, cumulative)."""
    day = stock_day(month_end=month_end, today=today)
    windows = ", ".join(
        f"count(*) FILTER (WHERE limitation_expires_on BETWEEN %s AND %s) AS d{d}"
        for d in EXPIRY_WINDOWS
    )
    window_params = [p for d in EXPIRY_WINDOWS for p in (day, day + timedelta(days=d))]
    sql = f"""
        WITH g AS (
            SELECT cooperative_id, drawn_on, count(*) AS n, sum(principal_owed) AS balance,
                   {windows}
            FROM {RECORD} WHERE status = 'pursuing'
            GROUP BY cooperative_id, drawn_on
        )
        SELECT t.cooperative_id, NULL::bigint, f.metric, f.key, f.value
        FROM (SELECT cooperative_id, sum(n) AS n, sum(balance) AS balance,
                     {", ".join(f"sum(d{d}) AS d{d}" for d in EXPIRY_WINDOWS)}
              FROM g GROUP BY cooperative_id) t
        {STOCK_ROWS}
        UNION ALL
        SELECT s.cooperative_id, NULL::bigint, f.metric, f.key, f.value
        FROM (SELECT g.cooperative_id, seg.scheme_id || ':' || seg.id AS key,
                     sum(g.n) AS n, sum(g.balance) AS balance
              FROM g
              JOIN {VintageSegment._meta.db_table} seg
                ON (seg.starts_on IS NULL OR g.drawn_on >= seg.starts_on)
               AND (seg.ends_before IS NULL OR g.drawn_on < seg.ends_before)
              JOIN {VintageScheme._meta.db_table} sc ON sc.id = seg.scheme_id AND sc.active
              GROUP BY g.cooperative_id, seg.scheme_id, seg.id) s
        {VINTAGE_ROWS}
    """  # noqa: S608
    return sql, window_params


def recovery_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """recovered_amount by kind and "" for all (flow: principal recovered in the month, the
    measure the board holds against the baseline), recovered_year (principal recovered from
    1 January to the month end) and recovery_baseline (the year's locked baseline: the
    次级/可疑/损失 balance as the year began)."""
    year_start = date(month_end.year, 1, 1)
    sql = f"""
        WITH k AS (
            SELECT cooperative_id, kind,
                   sum(principal) FILTER (WHERE "on" >= %s) AS month,
                   sum(principal) AS year
            FROM {RecoveryEntry._meta.db_table}
            WHERE "on" BETWEEN %s AND %s
            GROUP BY cooperative_id, kind
        )
        SELECT k.cooperative_id, NULL::bigint, 'recovered_amount', k.kind, k.month FROM k
        UNION ALL
        SELECT t.cooperative_id, NULL::bigint, f.metric, f.key, f.value
        FROM (SELECT cooperative_id, sum(month) AS month, sum(year) AS year
              FROM k GROUP BY cooperative_id) t
        {RECOVERED_ROWS}
        UNION ALL
        SELECT b.cooperative_id, NULL::bigint, 'recovery_baseline', '',
               b.balance_2 + b.balance_3 + b.balance_4
        FROM {YearBaseline._meta.db_table} b WHERE b.year = %s
    """  # noqa: S608
    return sql, [month_start, year_start, month_end, month_end.year]
