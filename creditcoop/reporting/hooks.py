"""What the dashboards and monthly reports need from the stages, registered when each loads.

The dashboards read only ``MonthlyFigure``; what the figures mean beyond their codes lives in
the stages, which the core may not import. A stage hands it over from ``AppConfig.ready``:

- ``provide_villages(fn)``: ``fn(user, *, cooperative_id=None, village_id=None)`` returns the
  villages the person may see as ``DashboardVillage`` rows (one query), narrowed to one
  cooperative or one village when asked (villages).
- ``register_key_labels(metrics, fn)``: ``fn(keys) -> {key: label}`` names the keys of those
  metrics (five-level classes, vintage segments, recovery kinds).
- ``register_drill_down(metrics, fn)``: ``fn(*, metric, key, cooperative_id, village_id)``
  returns ``(url_name, args, query)`` of the list of rows behind a figure, or None when no list
  shows them. ``cooperative_id``/``village_id`` name the unit the figure is for; both None
  means "everything this person may see", so a list without a cooperative filter still fits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardVillage:
    id: int
    name: str
    cooperative_id: int


_VILLAGES: list[Callable] = []
_LABELS: dict[str, Callable] = {}
_DRILL: dict[str, Callable] = {}


def provide_villages(fn: Callable) -> None:
    _VILLAGES[:] = [fn]


def dashboard_villages(user, *, cooperative_id=None, village_id=None) -> list[DashboardVillage]:
    if not _VILLAGES:
        return []
    return _VILLAGES[0](user, cooperative_id=cooperative_id, village_id=village_id)


def register_key_labels(metrics: Iterable[str], fn: Callable) -> None:
    for metric in metrics:
        _LABELS[metric] = fn


def key_labels(metric: str, keys: Iterable[str]) -> dict[str, str]:
    """Labels of the keys of one metric; a key nobody names shows as itself."""
    keys = list(keys)
    fn = _LABELS.get(metric)
    named = fn(keys) if fn else {}
    return {k: str(named.get(k, k)) for k in keys}


def register_drill_down(metrics: Iterable[str], fn: Callable) -> None:
    for metric in metrics:
        _DRILL[metric] = fn


def drill_down(metric: str, *, key="", cooperative_id=None, village_id=None):
    """``(url_name, args, query)`` of the rows behind a figure, or None."""
    fn = _DRILL.get(metric)
    if fn is None:
        return None
    return fn(metric=metric, key=key, cooperative_id=cooperative_id, village_id=village_id)
