"""Archive pages: importing the existing stock (存量档案) from an Excel register."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role
from creditcoop.permissions import roles_required
from villages.imports import MAX_BYTES

from ..models import StockImport
from ..services.stock_import import COLUMNS, stock_import_confirm, stock_import_preview
from ..services.stock_import import template_workbook as stock_template


class StockUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("存量档案登记表（.xlsx）"),
        error_messages={"required": gettext_lazy("请选择要上传的文件。")},
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(_("文件超过 5 MB，请分批导入。"))
        return f


@roles_required(Role.ARCHIVIST)
def import_upload(request):
    if request.method == "POST":
        form = StockUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = stock_import_preview(actor=request.user, upload=form.cleaned_data["file"])
                return redirect("archives:import_preview", batch.token)
            except DomainError as exc:
                add_to_form(form, exc)
    else:
        form = StockUploadForm()
    recent = StockImport.objects.filter(
        cooperative_id=request.user.cooperative_id, uploaded_by=request.user
    ).order_by("-created_at")[:10]
    return render(
        request,
        "archives/import_upload.html",
        {
            "form": form,
            "columns": [label for _k, label in COLUMNS],
            "recent": recent,
            "tab": "imports",
        },
    )


@roles_required(Role.ARCHIVIST)
def import_template(request):
    response = HttpResponse(
        stock_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''archive-stock-template.xlsx"
    return response


@roles_required(Role.ARCHIVIST)
def import_preview(request, token):
    batch = get_object_or_404(
        StockImport,
        token=token,
        cooperative_id=request.user.cooperative_id,
        uploaded_by=request.user,
    )
    if request.method == "POST":
        try:
            count = stock_import_confirm(actor=request.user, token=batch.token)
            messages.success(request, _("已导入 %(n)s 份存量档案，状态为在库。") % {"n": count})
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("archives:import_preview", batch.token)
    rows = batch.rows
    return render(
        request,
        "archives/import_preview.html",
        {
            "batch": batch,
            "rows": rows,
            "bad_rows": sum(1 for r in rows if r["errors"]),
            "tab": "imports",
        },
    )


urlpatterns = [
    path("imports/", import_upload, name="import_upload"),
    path("imports/template/", import_template, name="import_template"),
    path("imports/<uuid:token>/", import_preview, name="import_preview"),
]
