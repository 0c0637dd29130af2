"""Export jobs: started by the page, built by the worker, kept a day, downloaded by their owner."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from creditcoop.audit import audit_record
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, ExportJob
from creditcoop.reporting import services
from creditcoop.reporting.ledgers import _LEDGERS, Column, Ledger, LedgerRows, register_ledger
from creditcoop.reporting.tasks import export_expire

pytestmark = pytest.mark.django_db
Status = ExportJob.Status


def _trail(org, n=3):
    for _ in range(n):
        audit_record(actor=org.officer1, action="villages.household_update", obj=org.village_a1)


def _done_job(org, user=None):
    _trail(org)
    job = services.export_start(user=user or org.director, ledger_code="creditcoop.audit", data={})
    services.export_run(job.pk)
    job.refresh_from_db()
    return job


def test_job_goes_from_queued_to_done_with_its_file(org):
    _trail(org, 4)
    job = services.export_start(user=org.director, ledger_code="creditcoop.audit", data={})
    assert job.status == Status.QUEUED and job.rows_total is None
    assert job.scope_label == org.coop_a.name
    assert services.export_run(job.pk) is True
    job.refresh_from_db()
    # the four rows and the export's own start, recorded before the file was built
    assert job.status == Status.DONE and job.rows_done == job.rows_total == 5
    path = services.export_path(job)
    assert path.exists() and job.size == path.stat().st_size > 0
    assert job.file_name == f"审计记录_{org.coop_a.name}_{timezone.localdate():%Y%m%d}.xlsx"
    assert job.expires_at == job.finished_at + timedelta(hours=24)
    assert job.started_at <= job.finished_at


def test_a_duplicate_delivery_does_nothing(org):
    job = _done_job(org)
    path, stamp = services.export_path(job), services.export_path(job).stat().st_mtime_ns
    assert services.export_run(job.pk) is False
    again = ExportJob.objects.get(pk=job.pk)
    assert (again.status, again.file_path, again.finished_at) == (
        Status.DONE,
        job.file_path,
        job.finished_at,
    )
    assert path.stat().st_mtime_ns == stamp
    assert len(list(Path(services.export_dir()).rglob(f"{job.pk}-*.xlsx"))) == 1


def test_a_failed_build_says_why_and_leaves_no_file(org, monkeypatch):
    _trail(org)

    def broken(ledger, rows, path, **kw):
        Path(path).write_bytes(b"half a file")
        raise OSError("磁盘已满")

    monkeypatch.setattr(services, "ledger_write", broken)
    job = services.export_start(user=org.director, ledger_code="creditcoop.audit", data={})
    services.export_run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "磁盘已满" in job.error
    assert job.file_path == "" and not list(Path(services.export_dir()).rglob(f"{job.pk}-*"))


def test_filters_outside_the_scope_at_run_time_fail_the_job(org):
    """The worker validates the filters again as the owner: a director moved to another
    cooperative no longer exports the first one's trail."""
    job = services.export_start(
        user=org.director, ledger_code="creditcoop.audit", data={"cooperative": org.coop_a.pk}
    )
    type(org.director).objects.filter(pk=org.director.pk).update(cooperative=org.coop_b)
    services.export_run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "不在您的查看范围内" in job.error


def test_expiry_deletes_the_files_once(org):
    old, fresh = _done_job(org), _done_job(org)
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    old_path, fresh_path = services.export_path(old), services.export_path(fresh)
    assert export_expire() == 1
    assert not old_path.exists() and fresh_path.exists()
    old.refresh_from_db()
    assert old.status == Status.EXPIRED and old.file_path == ""
    assert export_expire() == 0  # the second run finds nothing
    assert ExportJob.objects.get(pk=fresh.pk).status == Status.DONE


def test_a_job_left_running_by_a_lost_worker_is_failed_by_the_hourly_job(org):
    job = services.export_start(user=org.director, ledger_code="creditcoop.audit", data={})
    ExportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=timezone.now() - timedelta(hours=7)
    )
    export_expire()
    job.refresh_from_db()
    assert job.status == Status.FAILED and "重新导出" in job.error


def test_download_only_by_the_owner_while_kept(org, login):
    job = _done_job(org)
    url = f"/exports/{job.pk}/download/"
    resp = login(org.director).get(url)
    assert resp.status_code == 200 and resp.streaming
    assert b"".join(resp.streaming_content)[:2] == b"PK"
    assert "attachment" in resp["Content-Disposition"]
    assert AuditLog.objects.filter(
        action="reporting.export_download", object_id=str(job.pk), actor=org.director
    ).exists()
    for other in (org.deputy, org.auditor, org.director_b):
        assert login(other).get(url).status_code == 404
        assert login(other).get(f"/exports/{job.pk}/").status_code == 404
    # past its day, even before the hourly job has deleted it
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert login(org.director).get(url).status_code == 404
    export_expire()
    assert login(org.director).get(url).status_code == 404


def test_index_lists_the_ledgers_the_role_may_export(org, login):
    page = login(org.director).get("/exports/").content.decode()
    assert "审计记录" in page and "贷款台账" in page and "限时办结台账" in page
    page = login(org.officer1).get("/exports/").content.decode()
    assert "贷款台账" in page and "审计记录" not in page and "限时办结台账" not in page
    assert login(org.officer1).get("/exports/new/?ledger=creditcoop.audit").status_code == 403
    assert login(org.director).get("/exports/new/?ledger=no.such").status_code == 404
    nav = login(org.teller).get("/").content.decode()
    assert 'href="/exports/"' in nav


def test_start_page_keeps_what_was_typed_with_the_errors(org, login):
    client = login(org.director)
    page = client.get("/exports/new/?ledger=creditcoop.audit&actor=周").content.decode()
    assert "导出审计记录" in page and 'value="周"' in page
    resp = client.post(
        "/exports/new/?ledger=creditcoop.audit",
        {"date_from": "2026-05-01", "date_to": "2026-04-01", "actor": "周主任"},
    )
    body = resp.content.decode()
    assert resp.status_code == 400 and body.count("截止日期不能早于起始日期") == 1
    assert 'value="2026-05-01"' in body and 'value="周主任"' in body
    resp = client.post("/exports/new/?ledger=creditcoop.audit", {"cooperative": org.coop_b.pk})
    assert resp.status_code == 400 and "所选单位不在您的查看范围内" in resp.content.decode()
    assert not ExportJob.objects.exists()


def test_job_page_polls_until_done_then_offers_the_file(org, login):
    client = login(org.director)
    job = services.export_start(user=org.director, ledger_code="creditcoop.audit", data={})
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队中" in page and "0%" in page
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, rows_total=200, rows_done=50)
    fragment = client.get(f"/exports/{job.pk}/progress/").content.decode()
    assert "生成中" in fragment and "已完成 50 / 200 行" in fragment and "25%" in fragment
    assert 'hx-trigger="every 1s"' in fragment and "<html" not in fragment
    ExportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    services.export_run(job.pk)
    fragment = client.get(f"/exports/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in fragment and "100%" in fragment
    assert f'href="/exports/{job.pk}/download/"' in fragment


def test_my_exports_lists_only_mine_page_by_page(org, login, django_assert_max_num_queries):
    for _ in range(23):
        services.export_start(user=org.director, ledger_code="creditcoop.audit", data={})
    services.export_start(user=org.deputy, ledger_code="creditcoop.audit", data={})
    client = login(org.director)
    client.get("/exports/mine/")
    with django_assert_max_num_queries(6):  # session, user, unread count, count, page
        first = client.get("/exports/mine/").content.decode()
    assert first.count('href="/exports/') - first.count('href="/exports/"') >= 20
    assert "第 1 页 / 2" in first and "排队中" in first
    second = client.get("/exports/mine/?page=2").content.decode()
    assert "第 2 页 / 2" in second
    deputy = client.get("/exports/mine/") and login(org.deputy).get("/exports/mine/")
    assert deputy.content.decode().count("排队中") == 1


@pytest.mark.django_db(transaction=True)
def test_post_starts_the_job_after_commit_and_redirects_to_it(org, client):
    """Through the real transaction: the task is queued on commit (eager here) and the job page
    shows the finished file."""
    _trail(org, 2)
    client.force_login(org.director)
    resp = client.post("/exports/new/?ledger=creditcoop.audit", {"actor": org.officer1.name})
    job = ExportJob.objects.get()
    assert resp.status_code == 302 and resp.url == f"/exports/{job.pk}/"
    assert job.status == Status.DONE and job.rows_total == 2
    assert job.filters == {"actor": org.officer1.name}
    page = client.get(resp.url).content.decode()
    assert "已完成" in page and "下载" in page


def test_auditor_may_start_an_export(org, login):
    resp = login(org.auditor).post("/exports/new/?ledger=creditcoop.audit", {})
    assert resp.status_code == 302
    assert ExportJob.objects.get().owner == org.auditor


def test_an_outsider_exports_nothing(org):
    from tests import factories as f

    agent = f.StaffFactory(username="A900", name="清收员", roles=["agency"], union=org.union)
    with pytest.raises(DomainError):
        services.export_start(user=agent, ledger_code="loans.loans", data={})


# --- through the real Redis broker and a real worker thread -------------------------------


def _slow_ledger(n):
    def source(*, user, filters):
        def rows():
            for i in range(n):
                time.sleep(0.004)
                yield (f"第{i}行", i)

        return LedgerRows(scope="测试", count=lambda: n, rows=rows())

    return Ledger(
        code="tests.slow",
        title="慢台账",
        columns=(Column("名称"), Column("序号", "int", total=True)),
        source=source,
    )


@pytest.mark.django_db(transaction=True)
def test_progress_through_a_real_worker_and_redis(org, monkeypatch):
    from celery.contrib.testing.worker import start_worker

    from creditcoop.celery import app

    monkeypatch.setattr(services, "PROGRESS_EVERY", 100)
    register_ledger(_slow_ledger(600))
    seen = []
    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            job = services.export_start(user=org.director, ledger_code="tests.slow", data={})
            for _ in range(300):
                state = ExportJob.objects.values_list("status", "rows_done", "rows_total").get(
                    pk=job.pk
                )
                if not seen or seen[-1] != state:
                    seen.append(state)
                if state[0] in (Status.DONE, Status.FAILED):
                    break
                time.sleep(0.05)
    finally:
        app.conf.task_always_eager = True
        _LEDGERS.pop("tests.slow", None)
    statuses = [s for s, _d, _t in seen]
    assert statuses[-1] == Status.DONE, seen
    assert Status.RUNNING in statuses, seen
    # the bar moved: rows done counted up while running, and all rows at the end
    partial = [d for s, d, t in seen if s == Status.RUNNING and t == 600 and 0 < d < 600]
    assert partial, seen
    assert seen[-1][1:] == (600, 600)
    job.refresh_from_db()
    assert services.export_path(job).exists()


@pytest.mark.django_db(transaction=True)
def test_expiry_run_several_times_at_once_expires_each_file_once(org, settings):
    from creditcoop.tests.test_periodic_jobs_concurrency import RUNS, run_together

    jobs = [_done_job(org) for _ in range(2)]
    ExportJob.objects.update(expires_at=timezone.now() - timedelta(hours=1))
    results = run_together("creditcoop.reporting.tasks.export_expire")
    assert sorted(results) == [0] * (RUNS - 1) + [2]
    assert set(ExportJob.objects.values_list("status", flat=True)) == {Status.EXPIRED}
    assert not any(services.export_path(j) and services.export_path(j).exists() for j in jobs)
    entry = settings.CELERY_BEAT_SCHEDULE["export-expire-hourly"]
    assert entry["task"] == "creditcoop.reporting.tasks.export_expire"
    assert entry["schedule"].minute == {7}
