"""Pages of repayment agreements: create with a schedule editor, the list, the detail with
its instalments and payments, the director's approval of an exception, signing, payments,
cancelling and the printable agreement."""

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role, Staff
from creditcoop.permissions import roles_required

from .. import selectors, selectors_agree, services
from ..forms_agree import (
    AgreementForm,
    ApproveForm,
    CancelForm,
    PaymentForm,
    SignForm,
    rows_from_post,
)
from ..models import RecoveryPolicy, RepaymentAgreement
from ..services.agree import EXCEPTION_LABELS, Row, agreement_totals, term_months
from ._roles import PURSUERS, READERS


@roles_required(*READERS)
def agreement_list(request):
    user = request.user
    f = selectors_agree.AgreementFilters.from_query(request.GET)
    page = selectors_agree.agreement_page(user=user, f=f, page=request.GET.get("page"))
    collectors = Staff.objects.filter(
        pk__in=selectors.npl_scope(user).exclude(collector=None).values("collector_id")
    ).order_by("username")
    return render(
        request,
        "recovery/agree_list.html",
        {
            "page": page,
            "f": f,
            "statuses": RepaymentAgreement.Status.choices,
            "cooperatives": selectors.npl_cooperatives(user).order_by("code"),
            "collectors": collectors,
        },
    )


def _create_page(request, record, form, rows, *, status=200):
    policy = RecoveryPolicy.current(record.cooperative.union_id)
    term = None
    if form.is_bound and form.is_valid() and rows:
        try:
            last = max(r["due_on"] for r in rows)
            term = term_months(form.cleaned_data["starts_on"], date.fromisoformat(last))
        except ValueError:
            term = None
    return render(
        request,
        "recovery/agree_create.html",
        {
            "record": record,
            "form": form,
            "rows": rows,
            "term": term,
            "policy": policy,
            "renewal": RepaymentAgreement.Kind.RENEWAL,
        },
        status=status,
    )


@roles_required(*PURSUERS, write=True)
def agreement_create(request, pk):
    record = selectors.record_get(request.user, pk)
    if request.method != "POST":
        return _create_page(request, record, AgreementForm(record=record), [])
    form = AgreementForm(request.POST, record=record)
    raw, typed = rows_from_post(request.POST)
    if not form.is_valid():
        return _create_page(request, record, form, raw)
    data = form.cleaned_data
    if request.POST.get("action") == "generate" or not raw:
        try:
            rows = services.equal_schedule(
                total=data["total"], count=data["count"], first_due_on=data["first_due_on"]
            )
        except DomainError as exc:
            add_to_form(form, exc)
            return _create_page(request, record, form, raw)
        raw = [{"due_on": r.due_on.isoformat(), "amount": str(r.amount), "error": ""} for r in rows]
        if request.POST.get("action") == "generate":
            return _create_page(request, record, form, raw)
        typed = [(r.due_on, r.amount) for r in rows]
    if typed is None:
        form.add_error(None, _("还款计划有错误，请改正标红的行。"))
        return _create_page(request, record, form, raw)
    try:
        agreement = services.agreement_create(
            actor=request.user,
            record=record,
            kind=data["kind"],
            starts_on=data["starts_on"],
            total=data["total"],
            rows=[Row(d, a) for d, a in typed],
            debtor_name=data["debtor_name"],
            exception_request=data["exception_request"],
            note=data["note"],
        )
    except DomainError as exc:
        add_to_form(form, exc)
        return _create_page(request, record, form, raw)
    if agreement.exception_reasons:
        messages.warning(request, _("协议已保存，属于例外，须经主任批准后才能签署。"))
    else:
        messages.success(request, _("协议已保存，请打印后由债务人签署。"))
    return redirect("recovery:agreement_detail", agreement.pk)


def _detail(request, agreement, *, sign_form=None, payment_form=None, cancel_form=None, status=200):
    record = agreement.record
    user = request.user
    return render(
        request,
        "recovery/agree_detail.html",
        {
            "a": agreement,
            "record": record,
            "instalments": list(agreement.instalments.all()),
            "payments": list(agreement.payments.select_related("recorded_by", "event")),
            "totals": agreement_totals(agreement),
            "exceptions": [str(EXCEPTION_LABELS.get(r, r)) for r in agreement.exception_reasons],
            "guarantors": list(agreement.signed_guarantors.all()),
            "loan_repayments": _loan_repayments(record),
            "may_pursue": services.may_pursue(user, record),
            "may_approve": services.may_approve(user, agreement),
            "sign_form": sign_form or SignForm(agreement=agreement),
            "payment_form": payment_form or PaymentForm(),
            "cancel_form": cancel_form or CancelForm(),
        },
        status=status,
    )


def _loan_repayments(record):
    """A loan still on the books: its repayments at the counter, read only (the money)."""
    if record.loan_id is None:
        return None
    return list(record.loan.repayments.order_by("-id")[:20])


@roles_required(*READERS)
def agreement_detail(request, pk):
    return _detail(request, selectors_agree.agreement_get(request.user, pk))


@roles_required(Role.DIRECTOR, write=True)
def agreement_approve(request, pk):
    agreement = selectors_agree.agreement_get(request.user, pk)
    form = ApproveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_approve(
                actor=request.user, agreement=agreement, note=form.cleaned_data["note"]
            )
            messages.success(request, _("已批准例外，协议可以签署。"))
            return redirect("recovery:agreement_detail", agreement.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/agree_approve.html",
        {
            "a": agreement,
            "record": agreement.record,
            "form": form,
            "exceptions": [str(EXCEPTION_LABELS.get(r, r)) for r in agreement.exception_reasons],
            "totals": agreement_totals(agreement),
            "policy": RecoveryPolicy.current(agreement.record.cooperative.union_id),
            "may_approve": services.may_approve(request.user, agreement),
        },
    )


@roles_required(*PURSUERS, write=True)
def agreement_sign(request, pk):
    agreement = selectors_agree.agreement_get(request.user, pk)
    form = SignForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            services.agreement_sign(actor=request.user, agreement=agreement, **form.cleaned_data)
            agreement.record.refresh_from_db()
            messages.success(
                request,
                _("已登记签署；签署还款协议中断诉讼时效，时效现至 %(d)s。")
                % {"d": agreement.record.limitation_expires_on or "—"},
            )
            return redirect("recovery:agreement_detail", agreement.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _detail(request, agreement, sign_form=form)


@roles_required(*PURSUERS, write=True)
def agreement_payment(request, pk):
    agreement = selectors_agree.agreement_get(request.user, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_payment_record(
                actor=request.user, agreement=agreement, **form.cleaned_data
            )
            messages.success(request, _("已登记还款（部分还款已记入诉讼时效事项）。"))
            return redirect("recovery:agreement_detail", agreement.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _detail(request, agreement, payment_form=form)


@roles_required(*PURSUERS, write=True)
def agreement_cancel(request, pk):
    agreement = selectors_agree.agreement_get(request.user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_cancel(
                actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("协议已作废。"))
            return redirect("recovery:agreement_detail", agreement.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _detail(request, agreement, cancel_form=form)


@roles_required(*READERS)
def agreement_print(request, pk):
    agreement = selectors_agree.agreement_get(request.user, pk)
    return render(
        request,
        "recovery/agree_print.html",
        {
            "a": agreement,
            "record": agreement.record,
            "instalments": list(agreement.instalments.all()),
            "guarantors": list(agreement.record.guarantors.all()),
            "totals": agreement_totals(agreement),
        },
    )


urlpatterns = [
    path("agreements/", agreement_list, name="agreement_list"),
    path("records/<int:pk>/agreements/new/", agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/approve/", agreement_approve, name="agreement_approve"),
    path("agreements/<int:pk>/sign/", agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/payments/", agreement_payment, name="agreement_payment"),
    path("agreements/<int:pk>/cancel/", agreement_cancel, name="agreement_cancel"),
    path("agreements/<int:pk>/print/", agreement_print, name="agreement_print"),
]
