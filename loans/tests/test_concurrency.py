"""Outstanding ≤ line under concurrency: many drawdowns at once against one line."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from loans import services
from loans.models import CounterRefusal, Loan
from loans.services import DrawdownRefused
from loans.tests import factories as lf

THREADS = 60


@pytest.mark.django_db(transaction=True)
def test_concurrent_drawdowns_never_pass_the_line_and_none_is_lost(org):
    contract = lf.contract(org)  # line 20,000
    certificate = contract.certificate.number
    id_number = contract.borrower.id_number
    today = timezone.localdate()
    # 60 requests of 300 … 890 yuan: 35,700 in all against a 20,000 line.
    amounts = [Decimal(300 + 10 * i) for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def worker(amount):
        try:
            barrier.wait()
            loan = services.loan_draw(
                teller=org.teller,
                certificate_number=certificate,
                id_number=id_number,
                seal_checked=True,
                amount=amount,
                due_date=today + timedelta(days=90),
                idempotency_key=uuid.uuid4(),
                today=today,
            )
            results.append(("ok", amount, loan.pk))
        except DrawdownRefused as e:
            results.append(("refused", amount, e.refusal_code))
        except Exception as e:  # anything else is a failure of the test
            errors.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(a,)) for a in amounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(results) == THREADS
    ok = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "refused"]
    contract.refresh_from_db()
    granted = sum(r[1] for r in ok)
    # No successful drawdown is lost: each has its loan row and counts in the balance.
    assert Loan.objects.filter(contract=contract).count() == len(ok)
    assert Loan.objects.filter(contract=contract).aggregate(s=Sum("amount"))["s"] == granted
    assert contract.outstanding == granted <= contract.line
    # Every refusal is an over-limit one, recorded, and justified when it was made.
    assert all(r[2] == "over_limit" for r in refused)
    assert CounterRefusal.objects.filter(contract=contract).count() == len(refused)
    smallest_refused = min((r[1] for r in refused), default=None)
    assert smallest_refused is None or contract.line - granted < smallest_refused
    assert len(ok) >= 20 and len(refused) >= 1
