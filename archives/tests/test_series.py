"""The nightly series and colour job (docs/rules.md §6.3)."""

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection

from archives.models import ArchiveFile, ArchiveSettings, Colour, Series
from archives.services.series import archive_classify
from archives.tasks import archive_classify_nightly
from archives.tests import factories_control as fc
from creditcoop.models import AuditLog, WorkflowEvent
from loans import services as loan_services
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db
DUE = date(2028, 1, 10)
NPL_DAY = DUE + timedelta(days=91)  # 91 days overdue: 次级


def _file_with_loan(org, *, filed=True):
    file = fc.loan_file(org)
    if filed:
        file = fc.in_room(file)
    loan = lf.draw(org, file.contract, "8000", today=date(2027, 7, 1), due_date=DUE)
    return file, loan


def _events(file):
    return WorkflowEvent.objects.filter(object_type="archives.archivefile", object_id=str(file.pk))


def _audit(action):
    return AuditLog.objects.filter(action=action)


def test_a_loan_turning_substandard_moves_its_file_to_the_npl_series(org):
    file, _loan = _file_with_loan(org)
    loan_services.loans_classify(today=NPL_DAY)
    result = archive_classify(today=NPL_DAY)
    file.refresh_from_db()
    assert (file.risk_class, file.colour, file.series) == (2, Colour.ORANGE, Series.NPL)
    assert file.archive_number.startswith("A001-b-2027-")  # the number stays
    assert file.volume_number == "2028-bN-001"  # a new volume in the npl series
    event = _events(file).get()
    assert (event.from_state, event.to_state, event.actor) == ("normal", "npl", None)
    move = _audit("archives.series_move").get()
    assert move.object_id == str(file.pk) and move.cooperative_id == org.coop_a.pk
    assert move.changes["volume_number"] == ["2027-b-001", "2028-bN-001"]
    assert _audit("archives.colour_change").get().changes["colour"] == ["green", "orange"]
    assert result == {"classified": 1, "colour_changes": 1, "moved": 1}


def test_a_second_run_writes_nothing(org):
    _file_with_loan(org)
    loan_services.loans_classify(today=NPL_DAY)
    archive_classify(today=NPL_DAY)
    before = (WorkflowEvent.objects.count(), AuditLog.objects.count())
    assert archive_classify_nightly(today=NPL_DAY.isoformat()) == {
        "classified": 0,
        "colour_changes": 0,
        "moved": 0,
    }
    assert (WorkflowEvent.objects.count(), AuditLog.objects.count()) == before


def test_watch_class_changes_the_colour_but_not_the_series(org):
    file, _loan = _file_with_loan(org)
    loan_services.loans_classify(today=DUE + timedelta(days=5))
    archive_classify(today=DUE + timedelta(days=5))
    file.refresh_from_db()
    assert (file.risk_class, file.colour, file.series) == (1, Colour.YELLOW, Series.NORMAL)
    assert not _events(file).exists()


def test_the_colour_follows_the_mapping_in_the_settings(org):
    file, _loan = _file_with_loan(org)
    loan_services.loans_classify(today=NPL_DAY)
    archive_classify(today=NPL_DAY)
    s = ArchiveSettings.current()
    s.colour_substandard = Colour.RED
    s.save()
    assert archive_classify(today=NPL_DAY)["colour_changes"] == 1
    file.refresh_from_db()
    assert file.colour == Colour.RED
    assert _audit("archives.colour_change").count() == 2
    assert _events(file).count() == 1  # moved once only


def test_the_npl_threshold_is_a_setting(org):
    file, _loan = _file_with_loan(org)
    s = ArchiveSettings.current()
    s.npl_from_class = 3
    s.save()
    loan_services.loans_classify(today=NPL_DAY)
    archive_classify(today=NPL_DAY)
    file.refresh_from_db()
    assert (file.risk_class, file.series) == (2, Series.NORMAL)


def test_the_move_is_one_way_and_an_unfiled_file_keeps_no_volume(org):
    drawn = date(2027, 7, 1)
    file, loan = _file_with_loan(org, filed=False)
    loan_services.loan_classify_manual(
        loan=loan, actor=org.officer1, to_class=2, reason="借款人经营失败，认定次级", today=drawn
    )
    archive_classify(today=drawn)
    file.refresh_from_db()
    assert (file.series, file.volume_number) == (Series.NPL, "")
    # Paid off: the colour goes back to green, the file stays in the npl series.
    lf.repay(org, loan, "8000", paid_on=drawn)
    archive_classify(today=drawn)
    file.refresh_from_db()
    assert (file.risk_class, file.colour, file.series) == (0, Colour.GREEN, Series.NPL)
    assert _events(file).count() == 1


def test_volumes_fill_up_per_room_and_year(org):
    room = fc.loan_file(org).room
    room.volume_size = 2
    room.save()
    files = [_file_with_loan(org)[0] for _ in range(3)]
    loan_services.loans_classify(today=NPL_DAY)
    archive_classify(today=NPL_DAY)
    volumes = list(
        ArchiveFile.objects.filter(pk__in=[f.pk for f in files])
        .order_by("pk")
        .values_list("volume_number", flat=True)
    )
    assert volumes == ["2028-bN-001", "2028-bN-001", "2028-bN-002"]


def test_the_job_runs_after_the_loans_classification():
    beat = settings.CELERY_BEAT_SCHEDULE
    loans = beat["loan-classify-nightly"]["schedule"]
    archives = beat["archive-classify-nightly"]["schedule"]
    assert beat["archive-classify-nightly"]["task"] == "archives.tasks.archive_classify_nightly"
    assert (min(archives.hour), min(archives.minute)) > (min(loans.hour), min(loans.minute))


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_move_each_file_once(org):
    files = [_file_with_loan(org)[0] for _ in range(2)]
    loan_services.loans_classify(today=NPL_DAY)
    results, errors = [], []

    def run():
        try:
            results.append(archive_classify(today=NPL_DAY))
        except Exception as e:  # pragma: no cover - shown by the assertion
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r["moved"] for r in results) == [0, 2]
    for f in files:
        assert _events(f).count() == 1
    assert AuditLog.objects.filter(action="archives.series_move").count() == 2
