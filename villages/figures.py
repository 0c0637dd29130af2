"""The villages' monthly figures (docs/rules.md §8): households registered per village."""

from creditcoop.reporting.figures import figure_rows

from .models import Household, Village

ROWS = figure_rows(["'households', '', h.n"])


def village_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """households (stock): one count per village, grouped on the household's village
    index before the join."""
    sql = f"""
        SELECT v.cooperative_id, v.id AS village_id, f.metric, f.key, f.value
        FROM (SELECT village_id, count(*) AS n FROM {Household._meta.db_table}
              GROUP BY village_id) h
        JOIN {Village._meta.db_table} v ON v.id = h.village_id
        {ROWS}
    """  # noqa: S608
    return sql, []
