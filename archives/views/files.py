"""Archive pages: the file search, one file's page and its actions, labels, management
records (docs/rules.md §6.1, §6.4)."""

import segno
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import OUTSIDE_ROLES, Role, Staff
from creditcoop.permissions import may_write, roles_required
from loans.models import RiskClass
from villages.selectors import village_scope

from .. import selectors
from ..forms.files import FileEditForm, ItemAddForm, RecordForm, TransferBackForm, TransferForm
from ..models import Colour, FileStatus, Section, Series
from ..services import files as services

# The archive is the cooperative's record of its credit business: every staff role reads it
# in its scope, but not village committee members.
FILE_READERS = tuple(r for r in Role if r != Role.COMMITTEE and r not in OUTSIDE_ROLES)
PREPARERS = (Role.CLERK, Role.OFFICER)
ARCHIVIST = (Role.ARCHIVIST,)
RECORDERS = (Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY)
LABELS_PER_SHEET = 30


@roles_required(*FILE_READERS)
def file_list(request):
    user = request.user
    page = selectors.file_search(user, request.GET)
    villages = village_scope(user).order_by("code")
    officers = Staff.objects.filter(
        pk__in=villages.exclude(officer_id=None).values("officer_id")
    ).order_by("username")
    return render(
        request,
        "archives/file_list.html",
        {
            "tab": "files",
            "page": page,
            "f": selectors.search_filters(request.GET),
            "villages": villages,
            "officers": officers,
            "sections": Section.choices,
            "series_choices": Series.choices,
            "colours": Colour.choices,
            "statuses": FileStatus.choices,
        },
    )


def _file_context(request, file, **forms):
    user = request.user
    writer = may_write(user)
    preparing = file.status == FileStatus.PREPARING
    archivist = (
        writer and user.has_role(Role.ARCHIVIST) and user.cooperative_id == file.cooperative_id
    )
    return {
        "tab": "files",
        "file": file,
        "risk_class_label": RiskClass(file.risk_class).label,
        "items": selectors.file_items(file),
        "history": selectors.custody_history(file),
        "borrowings": selectors.file_borrowings(file),
        "can_prepare": writer and preparing and services.may_prepare(user, file),
        "is_archivist": archivist,
        "add_form": forms.get("add_form") or ItemAddForm(),
        "edit_form": forms.get("edit_form")
        or FileEditForm(
            initial={
                "shelf": file.shelf,
                "box": file.box,
                "retention": file.retention,
                "in_litigation": file.in_litigation,
            }
        ),
        "transfer_form": forms.get("transfer_form") or TransferForm(),
        "back_form": TransferBackForm(),
    }


@roles_required(*FILE_READERS)
def file_detail(request, pk):
    file = selectors.file_get(request.user, pk)
    return render(request, "archives/file_detail.html", _file_context(request, file))


@roles_required(*PREPARERS, write=True)
@require_POST
def file_items_collect(request, pk):
    """Mark the ticked items of the file collected (or not yet)."""
    file = selectors.file_get(request.user, pk)
    ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()]
    ids = list(file.items.filter(pk__in=ids).values_list("pk", flat=True))
    collected = request.POST.get("collected", "1") == "1"
    try:
        changed = services.item_collect(item_ids=ids, actor=request.user, collected=collected)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已登记 %(n)d 项资料。") % {"n": changed})
    return redirect("archives:file_detail", file.pk)


def _form_step(request, pk, form_class, service, done: str, form_key: str):
    """One step on the file page: the form, the service, a message and back to the file; a
    refusal shows the file page again with the form's errors and what was typed."""
    file = selectors.file_get(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(file=file, actor=request.user, **form.cleaned_data)
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(request, done)
            return redirect("archives:file_detail", file.pk)
    return render(
        request,
        "archives/file_detail.html",
        _file_context(request, file, **{form_key: form}),
        status=400,
    )


@roles_required(*PREPARERS, write=True)
@require_POST
def file_item_add(request, pk):
    return _form_step(request, pk, ItemAddForm, services.item_add, _("已增加资料。"), "add_form")


@roles_required(*ARCHIVIST, write=True)
@require_POST
def file_edit(request, pk):
    return _form_step(
        request, pk, FileEditForm, services.file_edit, _("已保存档案信息。"), "edit_form"
    )


@roles_required(*ARCHIVIST, write=True)
@require_POST
def file_transfer(request, pk):
    return _form_step(
        request, pk, TransferForm, services.file_transfer, _("档案已移出。"), "transfer_form"
    )


@roles_required(*ARCHIVIST, write=True)
@require_POST
def file_transfer_back(request, pk):
    file = selectors.file_get(request.user, pk)
    form = TransferBackForm(request.POST)
    form.is_valid()
    try:
        services.file_transfer_back(
            file=file, actor=request.user, note=form.cleaned_data.get("note", "")
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("档案已收回入库。"))
    return redirect("archives:file_detail", file.pk)


def _labels(files):
    labels = []
    for file in files:
        qr = (
            segno.make(file.archive_number, error="m").svg_inline(scale=3, border=1)
            if file.archive_number
            else ""
        )
        labels.append({"file": file, "qr_svg": qr})
    return labels


@roles_required(*FILE_READERS)
def file_label(request, pk):
    file = selectors.file_get(request.user, pk)
    return render(request, "archives/file_label.html", {"labels": _labels([file])})


@roles_required(*FILE_READERS)
def file_labels(request):
    """Labels of the files ticked on the list, up to a sheet's worth; a file out of scope
    answers like a missing one."""
    ids = {int(i) for i in request.GET.getlist("ids") if i.isdigit()}
    if not ids or len(ids) > LABELS_PER_SHEET:
        raise Http404(
            _("请在档案列表中勾选要打印标签的档案（每次至多 %(n)d 份）。") % {"n": LABELS_PER_SHEET}
        )
    files = list(
        selectors.files_scope(request.user).filter(pk__in=ids).order_by("archive_number", "id")
    )
    if len(files) != len(ids):
        raise Http404(_("未找到该档案。"))
    return render(request, "archives/file_label.html", {"labels": _labels(files)})


@roles_required(*RECORDERS, write=True)
def record_create(request):
    """File a management record (sections e–j)."""
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.user.cooperative is None:
                raise DomainError(_("管理类档案由信用社档案室登记，您不属于任何信用社。"))
            file = services.record_create(
                cooperative=request.user.cooperative, actor=request.user, **form.cleaned_data
            )
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(request, _("已登记管理类档案，随移交清单入库后编号。"))
            return redirect("archives:file_detail", file.pk)
    return render(
        request,
        "archives/record_create.html",
        {"tab": "record", "form": form},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("files/", file_list, name="file_list"),
    path("files/labels/", file_labels, name="file_labels"),
    path("files/<int:pk>/", file_detail, name="file_detail"),
    path("files/<int:pk>/items/", file_items_collect, name="file_items_collect"),
    path("files/<int:pk>/items/add/", file_item_add, name="file_item_add"),
    path("files/<int:pk>/edit/", file_edit, name="file_edit"),
    path("files/<int:pk>/transfer/", file_transfer, name="file_transfer"),
    path("files/<int:pk>/transfer-back/", file_transfer_back, name="file_transfer_back"),
    path("files/<int:pk>/label/", file_label, name="file_label"),
    path("records/new/", record_create, name="record_create"),
]
