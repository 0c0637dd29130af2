"""Ledger exports through the job, against raw openpyxl and raw XlsxWriter.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench .venv/bin/python bench/exports.py
    … --rows 200000 --small 20000 --union     (the whole union's loan ledger as well)

Needs a database with at least --rows loans (``bench/loans.py`` builds one: ``--build``
runs its builder into the database named by DATABASE_URL when it holds fewer loans). The
run adds one union-wide auditor (``BENCH-AUD``) and the export jobs it starts.

Each measurement runs in a subprocess of its own, so its peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss``) is that of one worker doing one export:

* ``job``: the loan ledger (``loans.loans``, 14 columns) capped at N rows by a LIMIT in the
  same statement, through ``export_start`` (the service) → ``export_run`` (the Celery task,
  run eagerly in the same process) → ``ledger_write`` (title row, typed cells, widths,
  frozen header, formula-safe text, totals row, progress written to the job);
* ``openpyxl``: the same statement (same LIMIT) on one named cursor, rows appended as they
  come to an openpyxl write-only workbook — nothing else;
* ``xlsxwriter``: the same, written with ``write_row`` to an XlsxWriter ``constant_memory``
  workbook — nothing else;
* ``union`` (with --union): the real ``loans.loans`` ledger of the whole union through the
  job, to completion.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench")


def _setup():
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("EXPORT_DIR", tempfile.mkdtemp(prefix="bench-exports-"))
    import django

    django.setup()


def _auditor():
    from creditcoop.models import Role, Staff, Union

    user = Staff.objects.filter(username="BENCH-AUD").first()
    if user is None:
        user = Staff.objects.create(
            username="BENCH-AUD",
            name="基准稽核",
            roles=[Role.AUDITOR],
            union=Union.objects.order_by("id").first(),
        )
    return user


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (the database server's work is not in it): on a shared
    machine a steadier measure of the writer than the wall clock."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _capped_ledger(n: int):
    """The loan ledger with a LIMIT on its statement: same columns, joins and writer."""
    import dataclasses

    from creditcoop.reporting.ledgers import LedgerRows, register_ledger
    from loans.ledgers import LOAN_LEDGER, loan_ledger_queryset, loan_rows

    def source(*, user, filters):
        full = loan_ledger_queryset(user=user, filters=filters)
        # The count is the real ledger's (a COUNT of the LIMITed statement would sort it all).
        return LedgerRows(
            scope=f"前 {n:,} 笔",
            count=lambda: min(n, full.count()),
            rows=loan_rows(full[:n]),
        )

    ledger = dataclasses.replace(LOAN_LEDGER, code="bench.loans", source=source)
    register_ledger(ledger)
    return ledger


def child_job(n: int, code: str) -> dict:
    from creditcoop.reporting import services

    user = _auditor()
    if code == "bench.loans":
        _capped_ledger(n)
    start, cpu = time.perf_counter(), _cpu()
    job = services.export_start(user=user, ledger_code=code, data={})  # the task runs on commit
    job.refresh_from_db()
    seconds = time.perf_counter() - start
    assert job.status == "done", job.error
    return {
        "rows": job.rows_done,
        "seconds": seconds,
        "cpu": _cpu() - cpu,
        "size": job.size,
        "peak_mb": _peak_mb(),
        "file": job.file_name,
    }


def _raw_rows(n: int):
    """The capped ledger's statement on one named cursor (inside a transaction)."""
    from django.db import connection

    from loans.ledgers import LOAN_FIELDS, loan_ledger_queryset

    qs = loan_ledger_queryset(user=_auditor(), filters={})[:n].values_list(*LOAN_FIELDS)
    sql, params = qs.query.sql_with_params()
    connection.ensure_connection()
    cur = connection.connection.cursor(name="bench_raw")
    cur.itersize = 5000
    cur.execute(sql, params)
    yield from cur
    cur.close()


def child_openpyxl(n: int) -> dict:
    from django.db import transaction
    from openpyxl import Workbook

    path = Path(os.environ["EXPORT_DIR"]) / "raw-openpyxl.xlsx"
    start, cpu = time.perf_counter(), _cpu()
    rows = 0
    with transaction.atomic():
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        for row in _raw_rows(n):
            ws.append(row)
            rows += 1
        wb.save(path)
    seconds = time.perf_counter() - start
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu": _cpu() - cpu,
        "size": path.stat().st_size,
        "peak_mb": _peak_mb(),
    }


def child_xlsxwriter(n: int) -> dict:
    import xlsxwriter
    from django.db import transaction

    path = Path(os.environ["EXPORT_DIR"]) / "raw-xlsxwriter.xlsx"
    start, cpu = time.perf_counter(), _cpu()
    rows = 0
    with transaction.atomic():
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet()
        for row in _raw_rows(n):
            ws.write_row(rows, 0, row)
            rows += 1
        wb.close()
    seconds = time.perf_counter() - start
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu": _cpu() - cpu,
        "size": path.stat().st_size,
        "peak_mb": _peak_mb(),
    }


def run_child(kind: str, n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--rows", str(n)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = result["rows"] / result["seconds"]
    result["rows_per_cpu_s"] = result["rows"] / result["cpu"]
    return result


def ensure_loans(n: int, build: bool):
    _setup()
    from django.core.management import call_command

    from loans.models import Loan

    if build:
        call_command("migrate", verbosity=0)

    have = Loan.objects.count()
    if have >= n:
        return have
    if not build:
        sys.exit(f"the database holds {have:,} loans; {n:,} needed (--build builds them)")
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_loans", ROOT / "bench" / "loans.py")
    bench_loans = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_loans)
    bench_loans.build(max(1, n // 50), n)
    return Loan.objects.count()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--small", type=int, default=20_000)
    p.add_argument("--union", action="store_true", help="also the whole union's loan ledger")
    p.add_argument("--build", action="store_true", help="build loans with bench/loans.py")
    p.add_argument("--child", choices=["job", "openpyxl", "xlsxwriter", "union"])
    args = p.parse_args()

    if args.child:
        _setup()
        if args.child == "job":
            result = child_job(args.rows, "bench.loans")
        elif args.child == "union":
            result = child_job(args.rows, "loans.loans")
        elif args.child == "openpyxl":
            result = child_openpyxl(args.rows)
        else:
            result = child_xlsxwriter(args.rows)
        print(json.dumps(result, ensure_ascii=False))
        return

    loans = ensure_loans(args.rows, args.build)
    os.environ.setdefault("EXPORT_DIR", tempfile.mkdtemp(prefix="bench-exports-"))
    print(f"database: {loans:,} loans; load average {os.getloadavg()[0]:.2f} at start")
    results = {
        f"job {args.small:,}": run_child("job", args.small),
        f"job {args.rows:,}": run_child("job", args.rows),
        f"openpyxl {args.rows:,}": run_child("openpyxl", args.rows),
        f"xlsxwriter {args.rows:,}": run_child("xlsxwriter", args.rows),
    }
    if args.union:
        results[f"union {loans:,}"] = run_child("union", loans)
    print(
        f"{'run':<22}{'rows':>10}{'seconds':>9}{'rows/s':>9}{'CPU s':>8}{'rows/CPU s':>11}"
        f"{'peak RSS MB':>12}{'file MB':>9}"
    )
    for name, r in results.items():
        print(
            f"{name:<22}{r['rows']:>10,}{r['seconds']:>9.1f}{r['rows_per_s']:>9,.0f}"
            f"{r['cpu']:>8.1f}{r['rows_per_cpu_s']:>11,.0f}{r['peak_mb']:>12.0f}"
            f"{r['size'] / 2**20:>9.1f}"
        )
    job = results[f"job {args.rows:,}"]
    small = results[f"job {args.small:,}"]
    opx = results[f"openpyxl {args.rows:,}"]
    xw = results[f"xlsxwriter {args.rows:,}"]
    print(
        f"job / openpyxl: {job['rows_per_s'] / opx['rows_per_s']:.2f}× wall, "
        f"{job['rows_per_cpu_s'] / opx['rows_per_cpu_s']:.2f}× CPU; "
        f"job / xlsxwriter: {job['rows_per_s'] / xw['rows_per_s']:.2f}× wall, "
        f"{job['rows_per_cpu_s'] / xw['rows_per_cpu_s']:.2f}× CPU; "
        f"worker peak RSS {small['peak_mb']:.0f} MB at {args.small:,} rows, "
        f"{job['peak_mb']:.0f} MB at {args.rows:,} rows "
        f"(+{job['peak_mb'] - small['peak_mb']:.0f} MB); "
        f"load average {os.getloadavg()[0]:.2f} at the end"
    )


if __name__ == "__main__":
    main()
