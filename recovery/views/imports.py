from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.permissions import roles_required

from .. import selectors, services
from ..forms import ImportUploadForm
from ..imports import COLUMNS, template_workbook
from ..models import NplImport
from ._roles import MANAGERS


def _cooperatives(user):
    return selectors.npl_cooperatives(user).order_by("code")


@roles_required(*MANAGERS, write=True)
def npl_import(request):
    cooperatives = _cooperatives(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, cooperatives=cooperatives)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.npl_import_preview(
                actor=request.user,
                cooperative=form.cleaned_data["cooperative"],
                upload=form.cleaned_data["file"],
            )
            return redirect("recovery:npl_import_preview", batch.token)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/import.html",
        {"form": form, "columns": [label for _k, label in COLUMNS]},
    )


@roles_required(*MANAGERS)
def npl_import_template(request):
    response = HttpResponse(
        template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''npl-offbalance-template.xlsx"
    return response


@roles_required(*MANAGERS, write=True)
def npl_import_preview(request, token):
    batch = (
        NplImport.objects.filter(
            token=token,
            uploaded_by=request.user,
            cooperative__in=_cooperatives(request.user),
        )
        .select_related("cooperative")
        .first()
    )
    if batch is None:
        raise Http404(_("导入批次不存在或已过期。"))
    if request.method == "POST":
        try:
            count = services.npl_import_confirm(
                actor=request.user, cooperative=batch.cooperative, token=batch.token
            )
            messages.success(request, _("已导入 %(n)s 笔表外不良贷款。") % {"n": count})
            return redirect(f"{_register_url()}?cooperative={batch.cooperative_id}")
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("recovery:npl_import_preview", batch.token)
    rows = batch.rows
    return render(
        request,
        "recovery/import_preview.html",
        {"batch": batch, "rows": rows, "bad_rows": sum(1 for r in rows if r["errors"])},
    )


def _register_url():
    from django.urls import reverse

    return reverse("recovery:register")
