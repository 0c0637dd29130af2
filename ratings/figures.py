"""The ratings' monthly figures (docs/rules.md §8): households with a rating in force."""

from django.conf import settings

from creditcoop.reporting.figures import figure_rows, stock_day
from villages.models import Village

from .models import CreditApplication

ROWS = figure_rows(["'households_rated', '', r.n"])


def rating_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """households_rated (stock): households with a line-set application (grade and line
    decided) whose term has not run out on the stock day, counted from the day the line was
    set (the registration day for rows loaded without one)."""
    app = CreditApplication._meta.db_table
    sql = f"""
        SELECT v.cooperative_id, v.id AS village_id, f.metric, f.key, f.value
        FROM (SELECT a.village_id, count(DISTINCT a.household_id) AS n FROM {app} a
              WHERE a.status = 'line_set' AND a.grade <> ''
                AND (COALESCE(a.line_set_at, a.created_at) AT TIME ZONE %s)::date
                    + make_interval(months => a.term_months) > %s
              GROUP BY a.village_id) r
        JOIN {Village._meta.db_table} v ON v.id = r.village_id
        {ROWS}
    """  # noqa: S608
    return sql, [settings.TIME_ZONE, stock_day(month_end=month_end, today=today)]
