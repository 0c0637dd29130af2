import uuid
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import OUTSIDE_ROLES, Role, Staff
from creditcoop.money import ascii_digits
from creditcoop.permissions import may_write, officer_or_director, roles_required
from ratings.selectors import application_get
from villages.selectors import committee_current, village_get, village_scope

from . import selectors, services
from .forms import (
    ClassifyForm,
    DrawdownForm,
    HouseholdGrantRowForm,
    RepaymentForm,
    ReverseForm,
    SingleGrantForm,
    VillageGrantForm,
)
from .models import CounterRefusal, CreditContract, LoanCertificate, RiskClass
from .services import DrawdownRefused

GRANTERS = (Role.OFFICER, Role.DIRECTOR, Role.DEPUTY)
LEDGER_PAGE_SIZE = 50
MONEY_DESK = (Role.TELLER,)
# Contracts, balances and ledgers are the cooperative's books: every staff role reads them
# within its scope, but not village committee members (they rate and propose, nothing more).
# Everyone but the village committee and outsiders (an entrusted collection firm's staff).
LOAN_READERS = tuple(r for r in Role if r != Role.COMMITTEE and r not in OUTSIDE_ROLES)


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Contracts
# ---------------------------------------------------------------------------


@roles_required(*LOAN_READERS)
def contract_list(request):
    qs = selectors.contract_scope(request.user).select_related(
        "village", "household__group", "borrower", "certificate", "signed_by"
    )
    q = ascii_digits(request.GET.get("q", "")).strip()
    village = request.GET.get("village", "")
    status = request.GET.get("status", "")
    if q:
        qs = qs.filter(
            Q(borrower__name__startswith=q)
            | Q(number=q.upper())
            | Q(certificate__number=q.upper())
            | Q(borrower__id_number=q.upper())
        )
    if village.isdigit():
        qs = qs.filter(village_id=int(village))
    if status in CreditContract.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-signed_on", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/contract_list.html",
        {
            "page": page,
            "q": q,
            "village": village,
            "status": status,
            "villages": village_scope(request.user).order_by("code"),
            "statuses": CreditContract.Status.choices,
        },
    )


@roles_required(*LOAN_READERS)
def contract_detail(request, pk):
    contract = selectors.contract_get(request.user, pk)
    loans = contract.loans.select_related("teller").order_by("-drawn_on", "-id")
    return render(
        request,
        "loans/contract_detail.html",
        {
            "contract": contract,
            "certificate": LoanCertificate.objects.filter(contract=contract).first(),
            "loans": loans,
            "refusals": contract.refusals.select_related("teller")[:20],
            "is_teller": request.user.has_role(Role.TELLER) and not request.user.is_read_only,
        },
    )


@roles_required(*LOAN_READERS)
def certificate_print(request, pk):
    certificate = selectors.certificate_get(request.user, pk)
    return render(
        request,
        "loans/certificate_print.html",
        {"certificate": certificate, "contract": certificate.contract},
    )


# ---------------------------------------------------------------------------
# Granting
# ---------------------------------------------------------------------------


@roles_required(*GRANTERS)
def grant_villages(request):
    villages = (
        village_scope(request.user)
        .annotate(
            waiting=Count(
                "credit_applications",
                filter=Q(credit_applications__status="line_set")
                & Q(credit_applications__contract__isnull=True),
            )
        )
        .filter(waiting__gt=0)
        .order_by("code")
    )
    page = Paginator(villages, 30).get_page(request.GET.get("page"))
    return render(request, "loans/grant_villages.html", {"page": page})


def _grant_preview(village, today):
    from ratings.notices.gate import grant_blocker

    rows = []
    for app in services.grantable_applications(village):
        app.blocker = grant_blocker(application=app, today=today)
        rows.append(app)
    return rows


@roles_required(*GRANTERS)
def grant_village(request, pk):
    village = village_get(request.user, pk)
    if not (may_write(request.user) and officer_or_director(request.user, village)):
        raise PermissionDenied(_("您无权为该村办理授信。"))
    officers = services.signing_officers(village.cooperative)
    data = request.POST if request.method == "POST" else None
    form = VillageGrantForm(data, officers=officers, initial={"officer": village.officer_id})
    rows = _grant_preview(village, timezone.localdate())
    for app in rows:
        app.row = HouseholdGrantRowForm(data, application=app)
    rows_valid = all([a.row.is_valid() for a in rows])  # validate every row: show all errors
    if data is not None and not rows_valid:
        form.add_error(None, _("有农户的担保信息不完整，请补充后再提交；本次未授信任何农户。"))
    if data is not None and form.is_valid() and rows_valid:
        present = [a.pk for a in rows if a.row.cleaned_data["present"]]
        if not present:
            form.add_error(None, _("请勾选本人到场面签的农户；未勾选的农户不授信。"))
        else:
            d = form.cleaned_data
            try:
                batch = services.village_credit_grant(
                    village=village,
                    actor=request.user,
                    officer=d["officer"],
                    signed_on=d["signed_on"],
                    terms=form.terms(),
                    present_ids=present,
                    guarantees={a.pk: a.row.guarantee() for a in rows},
                    idempotency_key=d["idempotency_key"],
                )
            except DomainError as e:
                add_to_form(form, e)
            else:
                messages.success(
                    request,
                    _("集中授信完成：授信 %(n)s 户，未授信 %(r)s 户。")
                    % {"n": batch.granted_count, "r": len(batch.refusals)},
                )
                return redirect("loans:batch_detail", batch.pk)
    return render(
        request,
        "loans/grant_village.html",
        {"village": village, "form": form, "rows": rows},
    )


@roles_required(*GRANTERS)
def grant_single(request, pk):
    app = application_get(request.user, pk)
    village = app.village
    if not (may_write(request.user) and officer_or_director(request.user, village)):
        raise PermissionDenied(_("您无权为该村办理授信。"))
    existing = CreditContract.objects.filter(application=app).first()
    if existing:
        return redirect("loans:contract_detail", existing.pk)
    from ratings.notices.gate import signing_earliest

    form = SingleGrantForm(
        request.POST or None,
        officers=services.signing_officers(village.cooperative),
        initial={"officer": village.officer_id},
        earliest=signing_earliest(application=app),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            contract = services.credit_grant(
                application=app,
                actor=request.user,
                officer=d["officer"],
                signed_on=d["signed_on"],
                borrower_present=d["borrower_present"],
                terms=form.terms(
                    guarantee_type=d["guarantee_type"],
                    guarantors=d["guarantors"],
                    collateral=d["collateral"],
                ),
            )
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(
                request,
                _("已签订授信合同 %(n)s 并发放贷款证。") % {"n": contract.number},
            )
            return redirect("loans:contract_detail", contract.pk)
    from ratings.notices.gate import grant_blocker

    return render(
        request,
        "loans/grant_single.html",
        {
            "application": app,
            "form": form,
            "blocker": grant_blocker(application=app),
        },
    )


@roles_required(*LOAN_READERS)
def batch_detail(request, pk):
    batch = selectors.batch_get(request.user, pk)
    contracts = batch.contracts.select_related("borrower", "household__group", "certificate")
    return render(request, "loans/batch_detail.html", {"batch": batch, "contracts": contracts})


# ---------------------------------------------------------------------------
# The counter
# ---------------------------------------------------------------------------


@roles_required(*MONEY_DESK, write=True)
def counter(request):
    form = DrawdownForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            loan = services.loan_draw(
                teller=request.user,
                certificate_number=d["certificate_number"],
                id_number=d["id_number"],
                seal_checked=d["seal_checked"],
                amount=d["amount"],
                due_date=d["due_date"],
                idempotency_key=d["idempotency_key"],
            )
        except DrawdownRefused as e:
            refusal = e.message
            # A corrected attempt is a new operation: give the form a new key.
            data = request.POST.copy()
            data["idempotency_key"] = str(uuid.uuid4())
            form = DrawdownForm(data)
            form.is_valid()
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(
                request,
                _("放款成功：借据 %(n)s，金额 %(a)s 元。请打印借据交借款人签字。")
                % {"n": loan.number, "a": loan.amount},
            )
            return redirect("loans:loan_detail", loan.pk)
    if request.htmx and "certificate_number" in request.GET:
        # The borrower behind the certificate number being typed, before 放款.
        number = request.GET["certificate_number"].strip().upper()
        borrower = _certificate_lookup(request.user, number) if number else None
        return render(request, "loans/_borrower.html", {"lookup": borrower, "q": number})
    lookup = None
    q = request.GET.get("certificate", "").strip().upper()
    if q:
        lookup = (
            LoanCertificate.objects.filter(
                number=q, contract__in=selectors.contract_scope(request.user)
            )
            .select_related("contract", "holder")
            .first()
        )
    typed = (form["certificate_number"].value() or "").strip().upper()
    return render(
        request,
        "loans/counter.html",
        {
            "form": form,
            "refusal": refusal,
            "lookup": lookup,
            "q": q,
            "draw_lookup": _certificate_lookup(request.user, typed) if typed else None,
        },
    )


def _certificate_lookup(user, number):
    return (
        LoanCertificate.objects.filter(number=number, contract__in=selectors.contract_scope(user))
        .select_related("contract", "holder")
        .first()
    )


@roles_required(Role.DIRECTOR, Role.DEPUTY, Role.TELLER, Role.AUDITOR, Role.UNION_RISK, Role.ADMIN)
def refusal_list(request):
    qs = selectors.refusal_scope(request.user).select_related("teller", "contract")
    reason = request.GET.get("reason", "")
    date_from = _date(request.GET.get("from"))
    date_to = _date(request.GET.get("to"))
    if reason in CounterRefusal.Reason.values:
        qs = qs.filter(reason=reason)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    page = Paginator(qs.order_by("-at", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/refusal_list.html",
        {
            "page": page,
            "reason": reason,
            "reasons": CounterRefusal.Reason.choices,
            "date_from": request.GET.get("from", ""),
            "date_to": request.GET.get("to", ""),
        },
    )


@roles_required(*LOAN_READERS)
def loan_detail(request, pk):
    loan = selectors.loan_get(request.user, pk)
    user = request.user
    today = timezone.localdate()
    return render(
        request,
        "loans/loan_detail.html",
        {
            "loan": loan,
            "contract": loan.contract,
            "quote": selectors.loan_quote(loan, on=today),
            "repayments": loan.repayments.select_related("teller", "reversed_by"),
            "changes": loan.class_changes.select_related("by").order_by("-changed_on", "-id"),
            "repay_form": RepaymentForm() if _may_take_money(user, loan) else None,
            "classify_form": ClassifyForm(initial={"to_class": loan.risk_class})
            if services.may_classify(user, loan)
            else None,
        },
    )


@roles_required(*LOAN_READERS)
def iou_print(request, pk):
    """借据: printed at drawdown for the borrower to sign."""
    loan = selectors.loan_get(request.user, pk)
    return render(request, "loans/iou_print.html", {"loan": loan, "contract": loan.contract})


def _may_take_money(user, loan):
    return (
        user.has_role(Role.TELLER)
        and not user.is_read_only
        and user.cooperative_id == loan.contract.cooperative_id
        and loan.status == "open"
    )


@require_POST
@roles_required(*MONEY_DESK, write=True)
def loan_repay(request, pk):
    loan = selectors.loan_get(request.user, pk)
    form = RepaymentForm(request.POST)
    if form.is_valid():
        try:
            repayment = services.loan_repay(
                loan=loan,
                teller=request.user,
                amount=form.cleaned_data["amount"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(
                request, _("还款成功，收据编号 %(n)s。") % {"n": repayment.receipt_number}
            )
            return redirect("loans:receipt_print", repayment.pk)
    else:
        messages.error(request, _("请填写正确的还款金额。"))
    return redirect("loans:loan_detail", loan.pk)


@require_POST
@roles_required(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, write=True)
def loan_classify(request, pk):
    loan = selectors.loan_get(request.user, pk)
    form = ClassifyForm(request.POST)
    if form.is_valid():
        try:
            services.loan_classify_manual(
                loan=loan,
                actor=request.user,
                to_class=form.cleaned_data["to_class"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("已认定分类。"))
    else:
        messages.error(request, _("请选择分类并写明理由。"))
    return redirect("loans:loan_detail", loan.pk)


@roles_required(*LOAN_READERS)
def receipt_print(request, pk):
    repayment = selectors.repayment_get(request.user, pk)
    return render(
        request,
        "loans/receipt_print.html",
        {
            "r": repayment,
            "loan": repayment.loan,
            "contract": repayment.loan.contract,
            "reverse_form": ReverseForm()
            if request.user.has_role(Role.TELLER, Role.DIRECTOR, Role.DEPUTY)
            and not request.user.is_read_only
            and not repayment.is_reversed
            else None,
        },
    )


@require_POST
@roles_required(Role.TELLER, Role.DIRECTOR, Role.DEPUTY, write=True)
def receipt_reverse(request, pk):
    repayment = selectors.repayment_get(request.user, pk)
    form = ReverseForm(request.POST)
    authoriser = form.authorising_staff()
    if authoriser is None and form.data.get("authoriser"):
        messages.error(request, _("授权人工号或密码不正确。"))
        return redirect("loans:receipt_print", repayment.pk)
    try:
        services.repayment_reverse(
            repayment=repayment,
            actor=request.user,
            reason=form.data.get("reason", ""),
            authoriser=authoriser,
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已冲正。"))
    return redirect("loans:receipt_print", repayment.pk)


# ---------------------------------------------------------------------------
# Ledgers and the committee incentive
# ---------------------------------------------------------------------------


@roles_required(*LOAN_READERS)
def ledger(request):
    user = request.user
    village_id = request.GET.get("village", "")
    officer_id = request.GET.get("officer", "")
    risk_class = request.GET.get("class", "")
    q = ascii_digits(request.GET.get("q", "")).strip()
    overdue = request.GET.get("overdue") == "1"
    village = village_get(user, village_id) if village_id.isdigit() else None
    villages = village_scope(user)
    officers = Staff.objects.filter(pk__in=villages.values("officer_id")).order_by("username")
    officer = officers.filter(pk=officer_id).first() if officer_id.isdigit() else None
    if risk_class not in {str(v) for v in RiskClass.values}:
        risk_class = ""
    qs = selectors.ledger_rows(
        user=user,
        village_id=village.pk if village else None,
        officer_id=officer.pk if officer else None,
        risk_class=risk_class,
        q=q,
        overdue_on=timezone.localdate() if overdue else None,
    )
    cooperative_id = request.GET.get("cooperative", "")
    if cooperative_id.isdigit():
        # From a dashboard: one cooperative of a union-wide scope (the scope still applies).
        qs = qs.filter(village__cooperative_id=int(cooperative_id))
    if village:
        title = _("%(v)s分村清册") % {"v": village}
    elif officer:
        title = _("%(o)s信贷员贷款清册") % {"o": officer.name}
    else:
        title = _("贷款清册")
    page = Paginator(qs, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    totals = qs.aggregate(line=Sum("line"), outstanding=Sum("outstanding"))
    return render(
        request,
        "loans/ledger.html",
        {
            "page": page,
            "title": title,
            "villages": villages.order_by("code"),
            "officers": officers,
            "village_id": village_id,
            "officer_id": officer_id,
            "risk_class": risk_class,
            "classes": RiskClass.choices,
            "q": q,
            "overdue": overdue,
            "totals": totals,
        },
    )


@roles_required(*LOAN_READERS)
def incentive_villages(request):
    """The villages' committee incentive (业务开展费用), each linking to its statement."""
    villages = village_scope(request.user).select_related("cooperative").order_by("code")
    page = Paginator(villages, 30).get_page(request.GET.get("page"))
    totals = selectors.incentive_totals(village_ids=[v.pk for v in page])
    for v in page:
        v.incentive = totals.get(v.pk)
    return render(request, "loans/incentive_villages.html", {"page": page})


@roles_required(*LOAN_READERS)
def incentive_statement(request, pk):
    village = village_get(request.user, pk)
    date_from = _date(request.GET.get("from"))
    date_to = _date(request.GET.get("to"))
    qs = selectors.incentive_rows(village=village, date_from=date_from, date_to=date_to)
    totals = qs.aggregate(committee=Sum("committee_amount"), assistant=Sum("assistant_amount"))
    return render(
        request,
        "loans/incentive_statement.html",
        {
            "village": village,
            "rows": qs,
            "totals": totals,
            "committee": committee_current(village),
            "date_from": request.GET.get("from", ""),
            "date_to": request.GET.get("to", ""),
        },
    )
