"""Ledger export jobs: started by the page, built by a Celery worker, kept for a day.

``export_start`` checks the ledger and its filters as the person sees them and queues the
job once the transaction commits; ``export_run`` (the worker) claims the job, streams the
ledger's rows into the file with ``ledger_write`` and counts its progress on the job row;
``export_expire`` (hourly) deletes the files whose day is over. The web request never builds
a file.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.errors import DomainError
from creditcoop.jobs import job_lock
from creditcoop.models import ExportJob

from .ledgers import Ledger, ledger_get
from .xlsx import ledger_write

log = logging.getLogger(__name__)

Status = ExportJob.Status
# A job still "running" this long after it started lost its worker (a restart): failed.
STALE_AFTER = timedelta(hours=6)
NOT_ALLOWED = "您不能导出该台账。"
# How often the worker writes the rows done to the job (one cheap UPDATE each time).
PROGRESS_EVERY = 5000


def export_dir() -> Path:
    path = Path(settings.EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(job: ExportJob) -> Path | None:
    return export_dir() / job.file_path if job.file_path else None


def ledger_allowed(user, code: str) -> Ledger:
    """The ledger, if this person may export it; else a DomainError."""
    ledger = ledger_get(code)
    if ledger is None or not ledger.allowed(user) or getattr(user, "is_outsider", False):
        raise DomainError(_(NOT_ALLOWED))
    return ledger


def filter_form(ledger: Ledger, user, data=None, **kwargs):
    if ledger.filter_form is None:
        return None
    return ledger.filter_form(data=data, user=user, **kwargs)


def _submitted(form, data) -> dict:
    """The filter form's fields as submitted (strings), for the worker to validate again."""
    out = {}
    for name in form.fields if form is not None else ():
        value = data.get(name) if hasattr(data, "get") else None
        if value not in (None, ""):
            out[name] = str(value)
    return out


def _clean_filters(ledger: Ledger, user, data) -> dict:
    form = filter_form(ledger, user, data or {})
    if form is None:
        return {}
    if not form.is_valid():
        errors = {(None if k == "__all__" else k): list(v) for k, v in form.errors.items()}
        raise DomainError(errors=errors)
    return form.cleaned_data


def _file_name(ledger: Ledger, scope: str, on) -> str:
    scope = re.sub(r'[\\/:*?"<>|\s]+', "", scope or "")[:60]
    parts = [ledger.title, scope, f"{on:%Y%m%d}"]
    return "_".join(p for p in parts if p) + ".xlsx"


@transaction.atomic
def export_start(*, user, ledger_code: str, data) -> ExportJob:
    """Queue an export of ``ledger_code`` with the filter form's ``data``.

    Refused (DomainError, nothing created) when the ledger is not this person's to export
    or a filter is outside what they may see."""
    ledger = ledger_allowed(user, ledger_code)
    filters = _clean_filters(ledger, user, data)
    form = filter_form(ledger, user)
    # The scope's name for the list and the file name (the source builds no rows yet).
    scope = ledger.source(user=user, filters=filters).scope
    job = ExportJob.objects.create(
        owner=user,
        ledger_code=ledger.code,
        ledger_title=ledger.title,
        filters=_submitted(form, data or {}),
        scope_label=scope[:200],
        file_name=_file_name(ledger, scope, timezone.localdate()),
    )
    audit_record(
        actor=user,
        action="reporting.export_start",
        obj=job,
        changes={"ledger": ledger.title, "scope": scope, "filters": job.filters},
        cooperative=user.cooperative,
    )
    from .tasks import export_run

    transaction.on_commit(lambda: export_run.delay(job.pk))
    return job


class _Progress:
    """Counts written to the job from a connection of its own, in autocommit: the rows are
    read inside a transaction (a plain server-side cursor streams them as the query yields
    them, where a cursor outside one would be materialised WITH HOLD first), and the page
    must see the count while that transaction is still open."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.conn = connections.create_connection(DEFAULT_DB_ALIAS)

    def _run(self, sql: str, value: int) -> None:
        with self.conn.cursor() as cur:
            cur.execute(sql, [value, self.job_id])

    def total(self, n: int) -> None:
        self._run("UPDATE creditcoop_exportjob SET rows_total = %s WHERE id = %s", n)

    def __call__(self, done: int) -> None:
        self._run("UPDATE creditcoop_exportjob SET rows_done = %s WHERE id = %s", done)

    def close(self) -> None:
        self.conn.close()


def export_run(job_id: int) -> bool:
    """Build the job's file. Only the delivery that moves the job from queued to running does
    anything, so a task delivered twice builds the file once. Returns whether it ran."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now
    )
    if claimed != 1:
        return False
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    path = None
    try:
        ledger = ledger_allowed(job.owner, job.ledger_code)
        filters = _clean_filters(ledger, job.owner, job.filters)
        relative = f"{now:%Y%m%d}/{job.pk}-{uuid.uuid4().hex[:12]}.xlsx"
        path = export_dir() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        progress = _Progress(job_id)
        try:
            with transaction.atomic():
                rows = ledger.source(user=job.owner, filters=filters)
                progress.total(rows.count())
                written = ledger_write(
                    ledger,
                    rows,
                    str(path),
                    who=job.owner.name,
                    progress=progress,
                    progress_every=PROGRESS_EVERY,
                )
        finally:
            progress.close()
        finished = timezone.now()
        ExportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
            status=Status.DONE,
            rows_done=written,
            rows_total=written,
            file_path=relative,
            size=path.stat().st_size,
            finished_at=finished,
            expires_at=finished + timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )
    except Exception as exc:  # the job says what went wrong; the worker goes on
        if isinstance(exc, DomainError):
            message = "；".join(exc.messages) or _("筛选条件无效。")
        else:
            log.exception("export %s failed", job_id)
            message = _("生成文件出错：%(e)s") % {"e": str(exc)[:500] or type(exc).__name__}
        if path is not None:
            path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job_id).update(
            status=Status.FAILED, error=message, finished_at=timezone.now(), file_path=""
        )
    return True


@transaction.atomic
def export_expire(*, now=None) -> int:
    """Delete the files of jobs past their day and mark them expired; jobs left running by a
    lost worker are marked failed. Safe to run twice (the second run finds nothing)."""
    job_lock("export_expire")
    now = now or timezone.now()
    expired = list(
        ExportJob.objects.filter(status=Status.DONE, expires_at__lte=now).values_list(
            "pk", "file_path"
        )
    )
    base = Path(settings.EXPORT_DIR)
    for _pk, relative in expired:
        if relative:
            (base / relative).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[pk for pk, _ in expired]).update(
        status=Status.EXPIRED, file_path=""
    )
    ExportJob.objects.filter(status=Status.RUNNING, started_at__lte=now - STALE_AFTER).update(
        status=Status.FAILED, error=_("生成中断，请重新导出。"), finished_at=now
    )
    return len(expired)


def export_download(*, user, job: ExportJob) -> Path:
    """The file to send (the caller has checked the owner); an audit row says who took it."""
    path = export_path(job)
    audit_record(
        actor=user,
        action="reporting.export_download",
        obj=job,
        changes={"file": job.file_name},
        cooperative=user.cooperative,
    )
    return path
