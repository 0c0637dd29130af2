"""Auditor ledgers: declared once by the stage that owns the rows, exported by the core.

A stage declares a ledger in its ``ledgers.py`` and registers it from ``AppConfig.ready``::

    register_ledger(Ledger(
        code="loans.loans", title="贷款台账", order=40,
        columns=(Column("借据号", "id"), Column("借款人"), Column("贷款金额", "money", total=True),
                 Column("发放日", "date")),
        filter_form=LoanLedgerFilter,          # a Form taking user=; cleaned_data -> source
        source=loan_ledger_rows,               # source(*, user, filters) -> LedgerRows
    ))

The source scopes the rows to what the user may see (the app's own ``*_scope(user)``
selectors) and returns the rows as plain tuples, in column order, streamed from a
server-side cursor (``values_list(...).iterator(chunk_size=...)``), never a list of 1,000,000
model objects. A filter outside the user's scope is a validation error of the filter form,
so the export is refused before any job starts.

Column kinds decide how a cell is written (``creditcoop.reporting.xlsx``): ``text`` and ``id``
are always strings (an ID number or account number stays text, leading zeros and all; text
that would start a formula is written as text, never evaluated), ``int``/``money``/``decimal``/
``pct`` are numbers, ``date``/``datetime`` are Excel dates. ``total=True`` sums the column in
the totals row under the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

KINDS = ("text", "id", "int", "money", "decimal", "pct", "date", "datetime", "bool")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"
    width: int | None = None
    total: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class LedgerRows:
    """What a source hands the writer: the scope's name for the title row, the number of rows
    (for the progress bar; called once, before the rows) and the rows themselves."""

    scope: str
    count: Callable[[], int]
    rows: Iterable[tuple]
    as_of: object = None  # a date for the title row; today when None


@dataclass(frozen=True)
class Ledger:
    code: str
    title: str
    columns: tuple[Column, ...]
    source: Callable[..., LedgerRows]
    filter_form: type | None = None
    order: int = 100
    # Roles that may export this ledger; empty = every staff role that can see its rows.
    roles: frozenset = field(default_factory=frozenset)

    def allowed(self, user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if getattr(user, "is_outsider", False) and not set(user.roles) & set(self.roles):
            # An outside collection firm's staff export only what names their role.
            return False
        return not self.roles or bool(set(user.roles) & set(self.roles))


# Rows fetched per round trip of a ledger's server-side cursor.
CHUNK = 5000


def choice_labels(choices) -> dict:
    """``{code: label}`` with the labels evaluated once (not once per row)."""
    return {value: str(label) for value, label in choices}


def label_of(labels: dict) -> Callable:
    return lambda code: labels.get(code, code or "")


def stream(qs, fields: Iterable, converters: dict[int, Callable] | None = None, *, shape=None):
    """The rows of ``qs`` as tuples of ``fields`` from a server-side cursor; each
    ``converters[i]`` maps the value in column ``i`` (a code to its label), and ``shape``,
    when given, turns the whole row into the ledger's columns."""
    rows = qs.values_list(*fields).iterator(chunk_size=CHUNK)
    if not converters and shape is None:
        return rows
    return _converted(rows, list((converters or {}).items()), shape)


def _converted(rows, items, shape) -> Iterator[tuple]:
    try:
        for row in rows:
            if items:
                row = list(row)
                for i, convert in items:
                    row[i] = convert(row[i])
                row = tuple(row)
            yield shape(row) if shape else row
    finally:
        # An export stopped half-way closes the server-side cursor now, not when collected.
        rows.close()


def date_range(qs, filters: dict, field: str):
    """``qs`` narrowed to the filter form's date range on ``field`` (either end optional)."""
    if filters.get("date_from"):
        qs = qs.filter(**{f"{field}__gte": filters["date_from"]})
    if filters.get("date_to"):
        qs = qs.filter(**{f"{field}__lte": filters["date_to"]})
    return qs


def date_range_label(filters: dict) -> str:
    """The date range picked, for the sheet's title row."""
    start, end = filters.get("date_from"), filters.get("date_to")
    if start and end:
        return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    if start:
        return f"{start:%Y-%m-%d} 起"
    if end:
        return f"至 {end:%Y-%m-%d}"
    return ""


_LEDGERS: dict[str, Ledger] = {}


def register_ledger(ledger: Ledger) -> None:
    """Idempotent by code (apps may load twice in tests)."""
    _LEDGERS[ledger.code] = ledger


def ledger_get(code: str) -> Ledger | None:
    return _LEDGERS.get(code)


def ledgers_for(user) -> list[Ledger]:
    """The ledgers this user may export, in menu order."""
    return sorted(
        (g for g in _LEDGERS.values() if g.allowed(user)), key=lambda g: (g.order, g.code)
    )


def all_ledgers() -> list[Ledger]:
    return sorted(_LEDGERS.values(), key=lambda g: (g.order, g.code))
