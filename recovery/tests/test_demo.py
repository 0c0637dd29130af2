from datetime import date, timedelta

import pytest
from django.core.management import call_command

from creditcoop.models import Notification
from recovery.models import LimitationEvent, LimitationWarning, NplRecord

pytestmark = pytest.mark.django_db


def test_demo_book_has_old_vintages_events_and_a_warning_this_week(org):
    today = date(2026, 12, 7)
    from recovery import demo

    first = demo.seed(today=today)
    assert first["imported"] == 8  # four loans in each of the two cooperatives
    assert NplRecord.objects.filter(drawn_on__year__lt=2000).count() == 4
    alive = NplRecord.objects.get(loan_number="DEMO-A001-02")
    assert alive.limitation_expires_on == date(2027, 5, 1)  # the 20-year long stop
    soon = NplRecord.objects.get(loan_number="DEMO-A001-03")
    assert soon.limitation_expires_on == today + timedelta(days=33)
    # The 60-day warning goes out at once; the 30-day one three days from now.
    assert LimitationWarning.objects.filter(record=soon, lead_days=60).exists()
    assert Notification.objects.filter(recipient=org.officer1, text__contains="孙桂兰").exists()
    # A second run adds nothing.
    counts = (NplRecord.objects.count(), LimitationEvent.objects.count())
    second = demo.seed(today=today)
    assert second["imported"] == 0 and second["events"] == 0 and second["warnings"] == 0
    assert counts == (NplRecord.objects.count(), LimitationEvent.objects.count())


def test_demo_command_runs_on_an_empty_database(db, capsys):
    call_command("demo_recovery")
    assert "不良贷款" in capsys.readouterr().out


def test_demo_collection_work(org):
    from recovery import demo
    from recovery.demo_collect import seed_collect
    from recovery.models import CollectionAction, CollectionNotice

    today = date(2026, 12, 7)
    demo.seed(today=today)
    assert CollectionAction.objects.filter(at__date=today - timedelta(days=1)).count() == 4
    receipted = CollectionNotice.objects.filter(status=CollectionNotice.Status.RECEIPTED)
    assert receipted.filter(receipt_counts=True).count() == 2  # one per cooperative
    refused = receipted.get(record__loan_number="DEMO-A001-04")
    assert not refused.receipt_counts and "本人签字" in refused.receipt_effect
    # A second run adds nothing.
    before = (CollectionAction.objects.count(), CollectionNotice.objects.count())
    assert seed_collect(today=today) == {"actions": 0, "notices": 0, "receipts": 0}
    assert before == (CollectionAction.objects.count(), CollectionNotice.objects.count())


def test_demo_has_a_broken_agreement_and_a_lawsuit_warned(org):
    from recovery import demo
    from recovery.models import AgreementInstalment, EnforcementWarning, Lawsuit

    today = date(2026, 12, 7)
    demo.seed(today=today)
    assert AgreementInstalment.objects.filter(broken=True).exists()
    assert AgreementInstalment.objects.filter(paid_amount__gt=0).exists()
    s = Lawsuit.objects.first()
    assert s.enforcement_apply_by == today + timedelta(days=80)
    assert EnforcementWarning.objects.filter(lawsuit=s, lead_days=90).exists()
    counts = (Lawsuit.objects.count(), AgreementInstalment.objects.count())
    demo.seed(today=today)
    assert counts == (Lawsuit.objects.count(), AgreementInstalment.objects.count())
