"""The households ledger (农户台账) written to .xlsx at county scale.

Expects a database generated with ``manage.py generate_demo --households 1000000 --seed 1``:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench .venv/bin/python bench/ledger_sources.py

For a director (one cooperative) and a union-wide auditor it runs the ledger's source through
``ledger_write`` into a temporary file, as the export job does, and prints the rows, the
seconds to the first row, the total seconds, rows per second, the SQL statements made and the
growth of the process's peak memory. ``--explain`` prints the PostgreSQL plan of the rows'
statement; ``--limit N`` stops after N rows; ``--atomic`` writes inside one transaction.

Outside a transaction Django declares the server-side cursor WITH HOLD, and PostgreSQL computes
the whole result when the implicit transaction commits, before the first row comes back;
inside ``transaction.atomic()`` the cursor streams.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from creditcoop.models import Role, Staff  # noqa: E402
from creditcoop.reporting.ledgers import LedgerRows, ledger_get  # noqa: E402
from creditcoop.reporting.xlsx import ledger_write  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(code: str, user, *, limit: int | None, explain: bool, atomic: bool) -> None:
    ledger = ledger_get(code)
    form = ledger.filter_form(data={}, user=user)
    assert form.is_valid(), form.errors
    before = peak_mb()
    started = time.perf_counter()
    first = []
    block = transaction.atomic() if atomic else contextlib.nullcontext()
    with block, CaptureQueriesContext(connection) as ctx:
        rows = ledger.source(user=user, filters=form.cleaned_data)
        total = rows.count()

        def timed(it):
            for i, row in enumerate(it):
                if i == 0:
                    first.append(time.perf_counter() - started)
                yield row

        stream = timed(rows.rows if limit is None else islice(rows.rows, limit))
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            written = ledger_write(
                ledger, LedgerRows(rows.scope, rows.count, stream), tmp.name, who="bench"
            )
            size = os.path.getsize(tmp.name)
        stream.close()
        rows.rows.close()
    seconds = time.perf_counter() - started
    print(
        f"{code} as {user.username} ({rows.scope}){' in a transaction' if atomic else ''}: "
        f"{written:,} of {total:,} rows, "
        f"first row {first[0]:.2f} s, total {seconds:.1f} s, {written / seconds:,.0f} rows/s, "
        f"{len(ctx.captured_queries)} SQL, file {size / 1e6:.1f} MB, "
        f"peak RSS {before:.0f} → {peak_mb():.0f} MB"
    )
    if explain:
        sql = ctx.captured_queries[-1]["sql"]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            print("\n".join(r[0] for r in cursor.fetchall()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", default="villages.households")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--atomic", action="store_true")
    parser.add_argument("--who", choices=["director", "union", "both"], default="both")
    args = parser.parse_args()
    director = (
        Staff.objects.filter(roles__contains=[Role.DIRECTOR]).order_by("username")[25:26].get()
    )
    auditor = Staff.objects.filter(roles__contains=[Role.AUDITOR]).order_by("username").first()
    auditor = auditor or Staff.objects.filter(roles__contains=[Role.ADMIN]).first()
    users = {"director": [director], "union": [auditor], "both": [director, auditor]}[args.who]
    for user in users:
        run(args.code, user, limit=args.limit, explain=args.explain, atomic=args.atomic)


if __name__ == "__main__":
    main()
