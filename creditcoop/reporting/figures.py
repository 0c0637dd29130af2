"""Monthly figures: what each stage counts at a month's end, kept in ``MonthlyFigure``.

A stage registers a source from its ``AppConfig.ready``::

    register_figures("loans", loan_figures_sql)

where ``loan_figures_sql(*, month_start, month_end, today)`` returns ``(sql, params)`` for
one SELECT producing rows ``(cooperative_id, village_id, metric, key, value)`` — ``village_id``
NULL for a figure that belongs to the cooperative as a whole. The nightly job
(``creditcoop.reporting.snapshot``) puts every source's rows for the running month (and any
month that ended since the last run) into ``MonthlyFigure`` with set-based statements.
"""

from __future__ import annotations

from collections.abc import Callable

_SOURCES: dict[str, Callable] = {}


def register_figures(code: str, source: Callable) -> None:
    """Idempotent by code."""
    _SOURCES[code] = source


def figure_sources() -> dict[str, Callable]:
    return dict(_SOURCES)


def stock_day(*, month_end, today):
    """The day a stock figure describes: the month's end once it has passed, else today (the
    running month's stock is the state when the figures are taken)."""
    return min(month_end, today)


def figure_rows(metrics: list[str]) -> str:
    """``CROSS JOIN LATERAL (VALUES …) f(metric, key, value)`` turning one grouped row's
    aggregates into figure rows: each entry of ``metrics`` is ``"'<metric>', <key sql>,
    <value sql>"``. A source groups its rows once and names each figure here."""
    values = ", ".join(f"({m})" for m in metrics)
    return f"CROSS JOIN LATERAL (VALUES {values}) f(metric, key, value)"
