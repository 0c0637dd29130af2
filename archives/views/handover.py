"""Archive pages: handover (移交) and intake (入库), docs/rules.md §6.2."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditcoop.errors import DomainError, add_to_form
from creditcoop.exports import xlsx_response
from creditcoop.models import Role
from creditcoop.money import ascii_digits
from creditcoop.permissions import may_write, roles_required

from .. import selectors_handover as sel
from ..forms.handover import HandoverCheckForm, HandoverCreateForm, RegisterFilterForm
from ..models import FileItem, HandoverBatch, HandoverLine
from ..services import handover as services
from ..services.files import may_prepare, missing_required

READERS = (
    Role.OFFICER,
    Role.CLERK,
    Role.ARCHIVIST,
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.AUDITOR,
    Role.UNION_RISK,
    Role.UNION_ASSET,
    Role.ADMIN,
)
PREPARERS = (Role.CLERK, Role.OFFICER)
PAGE_SIZE = 30
OVERDUE_SHOWN = 20


@roles_required(*READERS)
def handover_list(request):
    qs = (
        sel.handover_scope(request.user)
        .select_related("cooperative", "branch", "handed_by", "received_by")
        .annotate(
            files=Count("lines"),
            pending=Count("lines", filter=Q(lines__status=HandoverLine.Status.PENDING)),
            rejected=Count("lines", filter=Q(lines__status=HandoverLine.Status.REJECTED)),
        )
    )
    q = ascii_digits(request.GET.get("q", "")).strip()
    status = request.GET.get("status", "")
    if q:
        named = HandoverLine.objects.filter(batch_id=OuterRef("pk")).filter(
            Q(file__borrower_name__startswith=q)
            | Q(file__contract_number=q.upper())
            | Q(file__archive_number=q.upper())
        )
        qs = qs.filter(Q(number=q.upper()) | Q(Exists(named)))
    if status in HandoverBatch.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    overdue = sel.handover_overdue(request.user)
    return render(
        request,
        "archives/handover_list.html",
        {
            "tab": "handover",
            "page": page,
            "q": q,
            "status": status,
            "statuses": HandoverBatch.Status.choices,
            "overdue": overdue[:OVERDUE_SHOWN],
            "overdue_count": overdue.count(),
        },
    )


@roles_required(*PREPARERS)
def handover_create(request):
    user = request.user
    if not user.cooperative_id:
        raise PermissionDenied(_("只有信用社的信贷内勤或信贷员可以编制移交清单。"))
    candidates = sel.handover_candidates(user)
    q = ascii_digits(request.GET.get("q", "")).strip()
    if q:
        candidates = candidates.filter(
            Q(borrower_name__startswith=q) | Q(contract_number=q.upper()) | Q(id_number=q.upper())
        )
    page = Paginator(candidates.order_by("handover_due", "id"), 50).get_page(
        request.GET.get("page")
    )
    form = HandoverCreateForm(
        request.POST if request.method == "POST" else None,
        files=sel.handover_files_scope(user),
        cooperative=user.cooperative,
    )
    if request.method == "POST":
        if not may_write(user):
            raise PermissionDenied(_("稽核角色只能查阅，不能修改数据。"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                batch = services.handover_create(
                    actor=user,
                    cooperative=user.cooperative,
                    branch=d["branch"],
                    file_ids=[f.pk for f in d["files"]],
                    note=d["note"],
                )
            except DomainError as e:
                add_to_form(form, e)
            else:
                messages.success(
                    request,
                    _("移交清单 %(number)s 已编制，核对无误后请提交移交。")
                    % {"number": batch.number},
                )
                return redirect("archives:handover_detail", batch.pk)
    chosen = {str(v) for v in (form["files"].value() or [])}
    return render(
        request,
        "archives/handover_create.html",
        {
            "tab": "handover",
            "form": form,
            "page": page,
            "q": q,
            "chosen": chosen,
            "today": timezone.localdate(),
        },
    )


@roles_required(*READERS)
def handover_detail(request, pk):
    batch = sel.handover_get(request.user, pk)
    lines = list(sel.handover_lines(batch))
    user = request.user
    may_submit = (
        batch.status == HandoverBatch.Status.DRAFT
        and may_write(user)
        and all(may_prepare(user, line.file) for line in lines)
    )
    may_check = (
        batch.status == HandoverBatch.Status.SUBMITTED
        and may_write(user)
        and user.has_role(Role.ARCHIVIST)
        and user.cooperative_id == batch.cooperative_id
    )
    return render(
        request,
        "archives/handover_detail.html",
        {
            "tab": "handover",
            "batch": batch,
            "lines": lines,
            "may_submit": may_submit,
            "may_check": may_check,
        },
    )


@require_POST
@roles_required(*PREPARERS)
def handover_submit(request, pk):
    batch = sel.handover_get(request.user, pk)
    try:
        services.handover_submit(batch=batch, actor=request.user)
    except DomainError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("移交清单 %(number)s 已提交，档案已移交档案室待核对。") % {"number": batch.number},
        )
    return redirect("archives:handover_detail", batch.pk)


@require_POST
@roles_required(*PREPARERS)
def handover_discard(request, pk):
    batch = sel.handover_get(request.user, pk)
    try:
        services.handover_discard(batch=batch, actor=request.user)
    except DomainError as e:
        for message in e.messages:
            messages.error(request, message)
        return redirect("archives:handover_detail", batch.pk)
    messages.success(request, _("移交清单 %(number)s 已作废。") % {"number": batch.number})
    return redirect("archives:handover_list")


@roles_required(*READERS)
def handover_print(request, pk):
    batch = sel.handover_get(request.user, pk)
    lines = list(sel.handover_lines(batch))
    for line in lines:
        items = [i for i in line.file.items.all() if i.status != FileItem.Status.MISSING]
        line.listed = items
        line.ious = [i.reference for i in items if i.source == "iou" and i.reference]
        line.listed_pages = sum(i.pages for i in items)
    parts = [_("第一联 移交单位留存"), _("第二联 档案室留存")]
    return render(
        request,
        "archives/handover_print.html",
        {"batch": batch, "lines": lines, "parts": parts},
    )


@roles_required(Role.ARCHIVIST)
def handover_check(request, pk):
    line = sel.handover_line_get(request.user, pk)
    batch = line.batch
    open_to_check = (
        batch.status == HandoverBatch.Status.SUBMITTED
        and line.status == HandoverLine.Status.PENDING
    )
    form = None
    if open_to_check:
        items = line.file.items.filter(status=FileItem.Status.COLLECTED).order_by("order", "id")
        form = HandoverCheckForm(request.POST if request.method == "POST" else None, items=items)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("该档案已核对，不能重复核对。"))
            return redirect("archives:handover_detail", batch.pk)
        if form.is_valid():
            try:
                result = services.handover_check(
                    line=line,
                    actor=request.user,
                    results=form.results(),
                    pages=form.pages(),
                    shelf=form.cleaned_data["shelf"],
                    box=form.cleaned_data["box"],
                )
            except DomainError as e:
                add_to_form(form, e)
            else:
                if result.accepted:
                    messages.success(
                        request,
                        _("已入库：档案号 %(number)s，卷号 %(volume)s，共 %(pages)s 页。")
                        % {
                            "number": result.intake.archive_number,
                            "volume": result.intake.volume_number,
                            "pages": result.intake.pages,
                        },
                    )
                else:
                    messages.warning(
                        request,
                        _("档案已退回整理：%(reason)s") % {"reason": result.line.reason},
                    )
                return redirect("archives:handover_detail", batch.pk)
    return render(
        request,
        "archives/handover_check.html",
        {
            "tab": "handover",
            "line": line,
            "batch": batch,
            "file": line.file,
            "form": form,
            "absent": missing_required(line.file) if form is not None else [],
        },
    )


def _register_filters(request, qs, *, date_field: str, search):
    form = RegisterFilterForm(request.GET or None)
    if form.is_valid():
        d = form.cleaned_data
        q = ascii_digits(d["q"]).strip()
        if q:
            qs = qs.filter(search(q))
        if d["date_from"]:
            qs = qs.filter(**{f"{date_field}__gte": d["date_from"]})
        if d["date_to"]:
            qs = qs.filter(**{f"{date_field}__lte": d["date_to"]})
        if d.get("status") and "status" in {f.name for f in qs.model._meta.fields}:
            qs = qs.filter(status=d["status"])
    return form, qs


def _scope_text(form) -> str:
    if not form.is_bound or not form.is_valid():
        return ""
    d = form.cleaned_data
    parts = [d["q"], str(d["date_from"] or ""), str(d["date_to"] or "")]
    return " ".join(p for p in parts if p)


@roles_required(*READERS)
def intake_register(request):
    qs = sel.intake_scope(request.user).select_related(
        "file__village", "batch", "received_by", "room"
    )
    form, qs = _register_filters(
        request,
        qs,
        date_field="received_on",
        search=lambda q: (
            Q(archive_number=q.upper())
            | Q(file__borrower_name__startswith=q)
            | Q(file__contract_number=q.upper())
            | Q(batch__number=q.upper())
        ),
    )
    qs = qs.order_by("-received_on", "-id")
    if request.GET.get("export") == "xlsx":
        columns = [
            "入库日期",
            "档案号",
            "卷号",
            "案卷题名",
            "借款人",
            "合同编号",
            "页数",
            "架号",
            "盒号",
            "移交单号",
            "入库人",
        ]
        rows = (
            (
                r.received_on,
                r.archive_number,
                r.volume_number,
                r.file.title,
                r.file.borrower_name,
                r.file.contract_number,
                r.pages,
                r.shelf,
                r.box,
                r.batch.number if r.batch else "",
                r.received_by.name,
            )
            for r in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(
            filename="信贷档案入库登记簿.xlsx",
            title="信贷档案入库登记簿",
            scope=_scope_text(form),
            columns=columns,
            rows=rows,
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/intake_register.html",
        {"tab": "intake", "form": form, "page": page},
    )


@roles_required(*READERS)
def handover_register(request):
    qs = sel.handover_register_scope(request.user).select_related(
        "batch__branch", "batch__handed_by", "file__village", "checked_by"
    )
    form, qs = _register_filters(
        request,
        qs,
        date_field="batch__submitted_at__date",
        search=lambda q: (
            Q(batch__number=q.upper())
            | Q(file__borrower_name__startswith=q)
            | Q(file__contract_number=q.upper())
            | Q(file__archive_number=q.upper())
        ),
    )
    qs = qs.order_by("-batch__submitted_at", "-batch_id", "id")
    if request.GET.get("export") == "xlsx":
        columns = [
            "移交日期",
            "移交单号",
            "移交单位",
            "移交人",
            "借款人",
            "合同编号",
            "页数",
            "核对结果",
            "退回原因",
            "核对人",
            "核对时间",
        ]
        rows = (
            (
                timezone.localtime(r.batch.submitted_at).date(),
                r.batch.number,
                str(r.batch.branch.name if r.batch.branch else ""),
                r.batch.handed_by.name,
                r.file.borrower_name or r.file.title,
                r.file.contract_number,
                r.pages or "",
                r.get_status_display(),
                r.reason,
                r.checked_by.name if r.checked_by else "",
                r.checked_at,
            )
            for r in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(
            filename="信贷档案移交登记簿.xlsx",
            title="信贷档案移交登记簿",
            scope=_scope_text(form),
            columns=columns,
            rows=rows,
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/handover_register.html",
        {"tab": "handover_register", "form": form, "page": page},
    )


urlpatterns = [
    path("handovers/", handover_list, name="handover_list"),
    path("handovers/new/", handover_create, name="handover_create"),
    path("handovers/<int:pk>/", handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/submit/", handover_submit, name="handover_submit"),
    path("handovers/<int:pk>/discard/", handover_discard, name="handover_discard"),
    path("handovers/<int:pk>/print/", handover_print, name="handover_print"),
    path("handover-lines/<int:pk>/check/", handover_check, name="handover_check"),
    path("intake-register/", intake_register, name="intake_register"),
    path("handover-register/", handover_register, name="handover_register"),
]
