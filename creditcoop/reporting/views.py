"""Ledger export pages: pick a ledger, set its filters, watch the job, download the file.

The request only queues the job (``services.export_start``); a Celery worker builds the file
and the job page follows its progress by polling a small fragment (htmx).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import ExportJob
from creditcoop.permissions import staff_required
from creditcoop.scoping import get_in_scope

from . import services
from .ledgers import ledger_get, ledgers_for

NOT_FOUND = "未找到该导出文件。"


def _own_jobs(user):
    return ExportJob.objects.filter(owner=user)


@staff_required
def export_index(request):
    return render(request, "reporting/export_index.html", {"ledgers": ledgers_for(request.user)})


@staff_required
def export_start(request):
    """GET: the ledger's filter form (pre-filled from the query string); POST: queue the job."""
    code = request.GET.get("ledger", "")
    ledger = ledger_get(code)
    if ledger is None:
        raise Http404(_("没有这个台账。"))
    try:
        services.ledger_allowed(request.user, code)
    except DomainError as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    if request.method == "POST":
        form = services.filter_form(ledger, request.user, request.POST)
        try:
            job = services.export_start(user=request.user, ledger_code=code, data=request.POST)
        except DomainError as exc:
            # The form shows its own errors (what was typed stays); anything else on top.
            if form is not None and form.is_valid():
                add_to_form(form, exc)
            status = 400
        else:
            return redirect("exports:job", pk=job.pk)
    else:
        initial = {k: v for k, v in request.GET.items() if k != "ledger"}
        form = services.filter_form(ledger, request.user, None, initial=initial)
        status = 200
    return render(
        request, "reporting/export_start.html", {"ledger": ledger, "form": form}, status=status
    )


@staff_required
def export_job(request, pk):
    job = get_in_scope(_own_jobs(request.user), pk, _(NOT_FOUND))
    return render(request, "reporting/export_job.html", {"job": job})


@staff_required
def export_progress(request, pk):
    """The progress bar alone, polled by the job page until the job has finished."""
    job = get_in_scope(_own_jobs(request.user), pk, _(NOT_FOUND))
    return render(request, "reporting/_export_progress.html", {"job": job})


@staff_required
def export_mine(request):
    page = Paginator(_own_jobs(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "reporting/export_mine.html", {"page": page})


@staff_required
def export_download(request, pk):
    """The file, to its owner only, while it is kept (else the same 404 as no file)."""
    job = get_in_scope(
        _own_jobs(request.user).filter(status=ExportJob.Status.DONE, expires_at__gt=timezone.now()),
        pk,
        _(NOT_FOUND),
    )
    path = services.export_path(job)
    if path is None or not path.exists():
        raise Http404(_(NOT_FOUND))
    services.export_download(user=request.user, job=job)
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=job.file_name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
