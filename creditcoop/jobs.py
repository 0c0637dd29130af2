"""Periodic jobs that several workers (or an overlapping beat) may start at once."""

from django.db import connection, transaction


def job_lock(name: str) -> None:
    """Wait until no other run of the job `name` is in progress, then hold it off until this
    transaction ends. The job's next statement reads what the earlier run committed, so two
    runs never do the same work twice (a PostgreSQL transaction-level advisory lock)."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("job_lock needs a transaction")
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"job:{name}"])
