"""Archive pages: borrowing (借阅), docs/rules.md §6.5.

The list, the request form, a borrowing's page with its steps, the printable register page
signed by the borrower, and the register over a period with its Excel export. Each step
(approve, refuse, take-out approval, issue, return, cancel) is one POST read from ``STEPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditcoop.errors import DomainError, add_to_form
from creditcoop.exports import xlsx_response
from creditcoop.models import Cooperative, Role
from creditcoop.permissions import may_write, roles_required

from ..forms.borrowing import (
    ApproveForm,
    BorrowingFilterForm,
    BorrowingForm,
    IssueForm,
    NoteForm,
    RegisterFilterForm,
    ReturnForm,
)
from ..models import Borrowing
from ..selectors_borrowing import (
    BORROWING_VIEW,
    borrowing_deadlines,
    borrowing_filter,
    borrowing_get,
    borrowing_lines,
    borrowing_scope,
    with_incomplete,
)
from ..services import borrowing as services

Status = Borrowing.Status
# Anyone but the auditor and the village committee may ask to borrow (for themself).
BORROWING_WRITE = tuple(r for r in BORROWING_VIEW if r != Role.AUDITOR)
APPROVERS = (Role.ARCHIVIST, Role.DIRECTOR, Role.DEPUTY, Role.UNION_RISK)


# ---------------------------------------------------------------- the steps, as data


@dataclass(frozen=True)
class Step:
    name: str  # URL archives:borrowing_<name>
    roles: tuple[str, ...]
    title: Promise
    button: Promise
    done: Promise
    form: Callable  # (data, borrowing, lines) → form
    call: Callable  # (actor, borrowing, form) → service result
    may: Callable  # (actor, borrowing) → whether the page offers the step
    danger: bool = False

    @property
    def url_name(self) -> str:
        return f"archives:borrowing_{self.name}"


def _approver(actor, b):
    return b.status == Status.REQUESTED and services.may_approve(actor, b)


def _archivist(actor, b):
    return services.is_plain_archivist(actor, b.cooperative_id)


STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "approve",
            APPROVERS,
            gettext_lazy("批准借阅"),
            gettext_lazy("批准"),
            gettext_lazy("已批准借阅。"),
            lambda data, b, lines: ApproveForm(data, borrowing=b),
            lambda actor, b, f: services.borrowing_approve(
                actor=actor,
                borrowing=b,
                note=f.cleaned_data["note"],
                accompanied_by=f.cleaned_data.get("accompanied_by"),
            ),
            _approver,
        ),
        Step(
            "refuse",
            APPROVERS,
            gettext_lazy("不予借阅"),
            gettext_lazy("不予借阅"),
            gettext_lazy("已不予借阅。"),
            lambda data, b, lines: NoteForm(data),
            lambda actor, b, f: services.borrowing_refuse(
                actor=actor, borrowing=b, note=f.cleaned_data["note"]
            ),
            _approver,
            danger=True,
        ),
        Step(
            "take_out_approve",
            (Role.UNION_RISK,),
            gettext_lazy("外部单位借出加批"),
            gettext_lazy("同意借出"),
            gettext_lazy("已加批，可以借出。"),
            lambda data, b, lines: NoteForm(data),
            lambda actor, b, f: services.borrowing_take_out_approve(
                actor=actor, borrowing=b, note=f.cleaned_data["note"]
            ),
            lambda actor, b: (
                services.needs_take_out_approval(b)
                and b.status == Status.APPROVED
                and not b.take_out_approved_by_id
                and actor.has_role(Role.UNION_RISK)
                and actor.pk != b.approved_by_id
            ),
        ),
        Step(
            "issue",
            (Role.ARCHIVIST,),
            gettext_lazy("借出（借阅人签字）"),
            gettext_lazy("登记借出"),
            gettext_lazy("已借出，到期日已登记到办结时限。"),
            lambda data, b, lines: IssueForm(data),
            lambda actor, b, f: services.borrowing_issue(
                actor=actor,
                borrowing=b,
                signed_name=f.cleaned_data["signed_name"],
                due_date=f.cleaned_data["due_date"],
            ),
            lambda actor, b: b.status == Status.APPROVED and _archivist(actor, b),
        ),
        Step(
            "return",
            (Role.ARCHIVIST,),
            gettext_lazy("归还验收（逐项核对，勾选缺失的资料）"),
            gettext_lazy("验收归还"),
            gettext_lazy("已归还入库。"),
            lambda data, b, lines: ReturnForm(data, lines=lines),
            lambda actor, b, f: services.borrowing_return(
                actor=actor, borrowing=b, missing=f.missing(), note=f.cleaned_data["note"]
            ),
            lambda actor, b: b.status == Status.ISSUED and _archivist(actor, b),
        ),
        Step(
            "cancel",
            BORROWING_WRITE,
            gettext_lazy("撤销借阅"),
            gettext_lazy("撤销"),
            gettext_lazy("已撤销借阅。"),
            lambda data, b, lines: NoteForm(data),
            lambda actor, b, f: services.borrowing_cancel(
                actor=actor, borrowing=b, note=f.cleaned_data["note"]
            ),
            services.may_cancel,
            danger=True,
        ),
    ]
}


# ---------------------------------------------------------------- pages


@roles_required(*BORROWING_VIEW)
def borrowing_list(request):
    today = timezone.localdate()
    form = BorrowingFilterForm(request.GET or None)
    qs = borrowing_scope(request.user)
    if form.is_valid():
        qs = borrowing_filter(qs, today=today, **form.cleaned_data)
    qs = with_incomplete(qs).prefetch_related("lines__file")
    page = Paginator(qs.order_by("-requested_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/borrowing_list.html",
        {"form": form, "page": page, "today": today, "can_create": may_write(request.user)},
    )


def _cooperative_for(request):
    """The cooperative whose room is asked: one's own, or (union staff) the one chosen."""
    if request.user.cooperative_id:
        return request.user.cooperative
    coop_id = request.GET.get("coop") or request.POST.get("coop")
    coops = Cooperative.objects.filter(union_id=request.user.union_id)
    if coop_id:
        try:
            return coops.get(pk=coop_id)
        except (ValueError, Cooperative.DoesNotExist):
            raise Http404(_("未找到该信用社。")) from None
    return None


@roles_required(*BORROWING_WRITE, write=True)
def borrowing_create(request):
    coop = _cooperative_for(request)
    if coop is None:
        coops = Cooperative.objects.filter(union_id=request.user.union_id)
        return render(request, "archives/borrowing_form.html", {"coops": coops, "form": None})
    form = BorrowingForm(request.POST or None, actor=request.user, cooperative=coop)
    if request.method == "POST" and form.is_valid():
        try:
            borrowing = services.borrowing_request(
                actor=request.user, cooperative=coop, **form.service_kwargs()
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("已登记借阅 %(number)s，须由%(authority)s审批。")
                % {"number": borrowing.number, "authority": borrowing.get_authority_display()},
            )
            return redirect("archives:borrowing_detail", pk=borrowing.pk)
    return render(request, "archives/borrowing_form.html", {"form": form, "coop": coop})


@roles_required(*BORROWING_VIEW)
def borrowing_detail(request, pk):
    b = borrowing_get(request.user, pk)
    lines = list(borrowing_lines(b))
    user = request.user
    steps = []
    if may_write(user):
        for step in STEPS.values():
            if user.has_role(*step.roles) and step.may(user, b):
                form = step.form(None, b, lines)
                form.auto_id = f"id_{step.name}_%s"  # several forms on one page
                steps.append((step, form))
    return render(
        request,
        "archives/borrowing_detail.html",
        {
            "b": b,
            "lines": lines,
            "steps": steps,
            "deadlines": borrowing_deadlines(b),
            "today": timezone.localdate(),
            "needs_take_out": services.needs_take_out_approval(b),
        },
    )


@roles_required(*BORROWING_WRITE, write=True)
def borrowing_step(request, pk, step):
    """One step of a borrowing (the URL names it; ``STEPS`` says what it does)."""
    if request.method != "POST":
        return redirect("archives:borrowing_detail", pk=pk)
    s = STEPS[step]
    if not request.user.has_role(*s.roles):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    b = borrowing_get(request.user, pk)
    lines = list(borrowing_lines(b))
    form = s.form(request.POST, b, lines)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(_detail(b))
    try:
        s.call(request.user, b, form)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, s.done)
    return redirect(_detail(b))


def _detail(b) -> str:
    return reverse("archives:borrowing_detail", args=[b.pk])


@roles_required(*BORROWING_VIEW)
def borrowing_print(request, pk):
    """The borrowing register page (借阅登记簿), printed on A4 and signed on paper."""
    b = borrowing_get(request.user, pk)
    return render(
        request,
        "archives/borrowing_print.html",
        {"b": b, "lines": list(borrowing_lines(b)), "today": timezone.localdate()},
    )


def _register_rows(request):
    form = RegisterFilterForm(request.GET or None)
    qs = borrowing_scope(request.user)
    period = ""
    if form.is_valid():
        data = form.cleaned_data
        qs = borrowing_filter(
            qs, status=data["status"], date_from=data["date_from"], date_to=data["date_to"]
        )
        if data["date_from"] or data["date_to"]:
            period = f"{data['date_from'] or ''}～{data['date_to'] or ''}"
    qs = with_incomplete(qs).prefetch_related("lines__file").order_by("requested_at", "id")
    return form, qs, period


@roles_required(*BORROWING_VIEW)
def borrowing_register(request):
    form, qs, period = _register_rows(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/borrowing_register.html",
        {"form": form, "page": page, "period": period, "query": request.GET.urlencode()},
    )


REGISTER_COLUMNS = [
    ("借阅单号", 20),
    ("信用社", 12),
    ("登记时间", 16),
    ("借阅人类型", 10),
    ("借阅人", 10),
    ("单位", 16),
    ("证件", 24),
    ("借阅方式", 8),
    ("档案号", 30),
    ("借阅事由", 24),
    ("审批人", 8),
    ("陪同档案管理员", 8),
    ("借出时间", 16),
    ("借阅人签字", 8),
    ("应还日期", 10),
    ("归还时间", 16),
    ("归还情况", 20),
    ("状态", 8),
]


def _register_row(b):
    creds = " ".join(x for x in (b.credential_type, b.credential_number, b.credential_issuer) if x)
    if b.status == Status.RETURNED:
        back = _("不齐：") + b.return_note if b.returned_incomplete else _("齐全")
    else:
        back = ""
    return (
        b.number,
        b.cooperative.name,
        b.requested_at,
        b.get_borrower_type_display(),
        b.borrower_name,
        b.organisation,
        creds,
        b.get_method_display(),
        "、".join(line.file.archive_number for line in b.lines.all()),
        b.purpose,
        b.approved_by.name if b.approved_by_id else "",
        b.accompanied_by.name if b.accompanied_by_id else "",
        b.issued_at,
        b.signed_name,
        b.due_date,
        b.returned_at,
        back,
        b.get_status_display(),
    )


@roles_required(*BORROWING_VIEW)
def borrowing_register_export(request):
    form, qs, period = _register_rows(request)
    return xlsx_response(
        filename="档案借阅登记簿.xlsx",
        title="档案借阅登记簿",
        scope=period,
        columns=REGISTER_COLUMNS,
        rows=(_register_row(b) for b in qs.iterator(chunk_size=2000)),
    )


def _step_url(name):
    return path(
        f"borrowings/<int:pk>/{name.replace('_', '-')}/",
        borrowing_step,
        {"step": name},
        name=f"borrowing_{name}",
    )


urlpatterns = [
    path("borrowings/", borrowing_list, name="borrowing_list"),
    path("borrowings/new/", borrowing_create, name="borrowing_create"),
    path("borrowings/register/", borrowing_register, name="borrowing_register"),
    path(
        "borrowings/register.xlsx",
        borrowing_register_export,
        name="borrowing_register_export",
    ),
    path("borrowings/<int:pk>/", borrowing_detail, name="borrowing_detail"),
    path("borrowings/<int:pk>/print/", borrowing_print, name="borrowing_print"),
    *(_step_url(name) for name in STEPS),
]
