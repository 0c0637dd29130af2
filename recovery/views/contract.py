"""Pages of internal contracted collection (内部竞标承包清收): the pricing table, packages
(build with a preview, detail, publish, registration and bids, award, signing), contracts
(detail, printable agreement, monthly slips with their check, forfeiture)."""

import calendar

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Cooperative, Role
from creditcoop.permissions import roles_required
from villages.models import Village

from .. import selectors_contract as sel
from ..forms_contract import (
    AwardForm,
    BidForm,
    ForfeitForm,
    PackageForm,
    RegisterForm,
    SignForm,
    SlipForm,
)
from ..models import (
    BonusBand,
    CollectionContract,
    CollectionPackage,
    ContractCharge,
    ContractorProfile,
    PricingRow,
    RecoveryPolicy,
)
from ..services import contract as services

# Build, publish, award, sign, compute slips, charge: the union's asset-preservation staff
# and a cooperative's director or deputy (the service checks which package).
LEADERS = (Role.DIRECTOR, Role.DEPUTY, Role.UNION_ASSET, Role.ADMIN)
CHECKERS = (Role.UNION_RISK, Role.DIRECTOR)
PAYERS = (Role.UNION_ASSET, Role.ADMIN)


def _fail(request, exc: DomainError):
    messages.error(request, exc.message)


def _button(request, service, done: str, **target) -> None:
    """A step that is only a button: the service on its object, then the message either way."""
    try:
        service(actor=request.user, **target)
        messages.success(request, done)
    except DomainError as exc:
        _fail(request, exc)


@roles_required()
def pricing(request):
    union = request.user.union_id
    return render(
        request,
        "recovery/contract_pricing.html",
        {
            "rows": PricingRow.for_union(union),
            "bands": BonusBand.for_union(union),
            "policy": RecoveryPolicy.current(union),
        },
    )


@roles_required()
def package_list(request):
    qs = sel.package_scope(request.user).select_related("cooperative")
    q = (request.GET.get("q") or "").strip()
    status = request.GET.get("status") or ""
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(name__icontains=q))
    if status in CollectionPackage.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_on", "-id"), sel.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recovery/contract_packages.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "statuses": CollectionPackage.Status.choices,
            "may_build": request.user.is_superuser or request.user.has_role(*LEADERS),
        },
    )


@roles_required(*LEADERS)
def package_create(request):
    user = request.user
    union_wide = user.is_superuser or user.has_role(Role.UNION_ASSET, Role.ADMIN)
    coops = Cooperative.objects.filter(union_id=user.union_id)
    if not union_wide:
        coops = coops.filter(pk=user.cooperative_id)
    villages = Village.objects.filter(cooperative__in=coops).select_related("cooperative")
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = PackageForm(
        data,
        cooperatives=coops,
        villages=villages.order_by("cooperative__code", "code"),
        regions=services.regions(user.union_id, None if union_wide else user.cooperative_id),
    )
    if not union_wide:
        form.fields["cooperative"].empty_label = None
    preview = None
    if data is not None and "preview" in data or request.method == "POST":
        filters = services.PackageFilters.from_data(
            {k: form.data.get(k) for k in services.PackageFilters.__dataclass_fields__}
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    package = services.package_build(
                        actor=user,
                        name=form.cleaned_data["name"],
                        filters=filters,
                        target=form.cleaned_data["target"],
                    )
                    messages.success(
                        request,
                        _("已组建贷款包 %(n)s，共 %(c)s 笔。")
                        % {"n": package.number, "c": package.line_count},
                    )
                    return redirect("recovery:package_detail", package.pk)
                except DomainError as exc:
                    add_to_form(form, exc)
        else:
            preview = services.package_preview(actor=user, filters=filters)
    return render(
        request,
        "recovery/contract_package_form.html",
        {"form": form, "preview": preview},
        status=400 if request.method == "POST" else 200,
    )


@roles_required()
def package_detail(request, pk):
    package = sel.package_get(request.user, pk)
    lines = Paginator(
        package.lines.select_related("record__village", "record__cooperative").order_by("id"),
        sel.PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    user = request.user
    mine = package.registrations.filter(staff=user).first()
    leader = services.may_lead(user, package)
    contract = CollectionContract.objects.filter(package=package).first()
    return render(
        request,
        "recovery/contract_package_detail.html",
        {
            "package": package,
            "page": lines,
            "mine": mine,
            "my_bids": mine.bids.all() if mine else [],
            "leader": leader,
            "ranked": services.bids_ranked(package) if leader else [],
            "registrations": package.registrations.select_related("staff") if leader else [],
            "ineligible": services.ineligible_reason(user, package),
            "register_form": RegisterForm(),
            "bid_form": BidForm(),
            "sign_form": SignForm(),
            "contract": contract,
            "policy": RecoveryPolicy.current(package.union_id),
        },
    )


@roles_required(*LEADERS, write=True)
def package_publish(request, pk):
    package = sel.package_get(request.user, pk)
    _button(request, services.package_publish, _("贷款包已在内部公示。"), package=package)
    return redirect("recovery:package_detail", package.pk)


@roles_required(*LEADERS, write=True)
def package_discard(request, pk):
    package = sel.package_get(request.user, pk)
    _button(
        request,
        services.package_discard,
        _("贷款包已撤销，其中的贷款可重新组包。"),
        package=package,
    )
    return redirect("recovery:package_detail", package.pk)


@roles_required(write=True)
def package_register(request, pk):
    package = sel.package_get(request.user, pk)
    form = RegisterForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请填写定金缴纳日期。"))
        services.contractor_register(
            actor=request.user, package=package, paid_on=form.cleaned_data["paid_on"]
        )
        messages.success(request, _("已报名，竞标定金已登记。"))
    except DomainError as exc:
        _fail(request, exc)
    return redirect("recovery:package_detail", package.pk)


@roles_required(write=True)
def package_bid(request, pk):
    package = sel.package_get(request.user, pk)
    form = BidForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请填写报价。"))
        bid = services.bid_submit(
            actor=request.user, package=package, amount=form.cleaned_data["amount"]
        )
        messages.success(request, _("已提交报价 %(a)s 元。") % {"a": bid.amount})
    except DomainError as exc:
        _fail(request, exc)
    return redirect("recovery:package_detail", package.pk)


@roles_required(*LEADERS)
def package_award(request, pk):
    package = sel.package_get(request.user, pk)
    ranked = services.bids_ranked(package)
    form = AwardForm(request.POST or None, bids=ranked)
    if request.method == "POST":
        if form.is_valid():
            chosen = next((b for b in ranked if str(b.pk) == form.cleaned_data["bid"]), None)
            try:
                services.package_award(
                    actor=request.user,
                    package=package,
                    bid=chosen,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("已定标。"))
                return redirect("recovery:package_detail", package.pk)
            except DomainError as exc:
                add_to_form(form, exc)
    return render(
        request,
        "recovery/contract_award.html",
        {"package": package, "ranked": ranked, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@roles_required(*LEADERS, write=True)
def package_sign(request, pk):
    package = sel.package_get(request.user, pk)
    form = SignForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请填写签订日期。"))
        contract = services.contract_sign(
            actor=request.user, package=package, signed_on=form.cleaned_data["signed_on"]
        )
        messages.success(request, _("已签订承包协议 %(n)s。") % {"n": contract.number})
        return redirect("recovery:contract_detail", contract.pk)
    except DomainError as exc:
        _fail(request, exc)
    return redirect("recovery:package_detail", package.pk)


@roles_required()
def contract_list(request):
    qs = sel.contract_scope(request.user).select_related("package", "contractor")
    q = (request.GET.get("q") or "").strip()
    status = request.GET.get("status") or ""
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(package__number__icontains=q) | Q(contractor__name=q)
        )
    if status in CollectionContract.Status.values:
        qs = qs.filter(status=status)
    if request.GET.get("mine"):
        qs = qs.filter(contractor=request.user)
    page = Paginator(qs.order_by("-signed_on", "-id"), sel.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recovery/contract_list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "statuses": CollectionContract.Status.choices,
        },
    )


def _contract_context(request, contract):
    today = timezone.localdate()
    profile = ContractorProfile.objects.filter(staff=contract.contractor).first()
    return {
        "contract": contract,
        "package": contract.package,
        "slips": contract.slips.select_related("checked_by", "paid_by"),
        "charges": contract.charges.select_related("line__record"),
        "live_count": services.live_contracts(contract.contractor_id, today),
        "full_time": services.is_full_time(
            contract.contractor_id, contract.package.union_id, today
        ),
        "profile": profile,
        "leader": services.may_lead(request.user, contract.package),
        "slip_form": SlipForm(),
    }


@roles_required()
def contract_detail(request, pk):
    contract = sel.contract_get(request.user, pk)
    return render(request, "recovery/contract_detail.html", _contract_context(request, contract))


@roles_required()
def contract_print(request, pk):
    contract = sel.contract_get(request.user, pk)
    ctx = _contract_context(request, contract)
    ctx["bands"] = BonusBand.for_union(contract.package.union_id)
    ctx["policy"] = RecoveryPolicy.current(contract.package.union_id)
    return render(request, "recovery/contract_print.html", ctx)


@roles_required(*LEADERS, write=True)
def contract_end(request, pk):
    contract = sel.contract_get(request.user, pk)
    _button(
        request,
        services.contract_end,
        _("承包协议已终止，贷款已交回原清收责任人。"),
        contract=contract,
    )
    return redirect("recovery:contract_detail", contract.pk)


@roles_required(*LEADERS)
def contract_forfeit(request, pk):
    contract = sel.contract_get(request.user, pk)
    form = ForfeitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        line = contract.package.lines.filter(pk=form.cleaned_data["line"]).first()
        try:
            if line is None:
                raise DomainError(_("该笔贷款不在本包内。"))
            services.contract_forfeit(
                actor=request.user,
                contract=contract,
                line=line,
                kind=form.cleaned_data["kind"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已登记赔偿，履约保证金没收。"))
            return redirect("recovery:contract_detail", contract.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    lines = Paginator(
        contract.package.lines.select_related("record").order_by("id"), sel.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "recovery/contract_forfeit.html",
        {
            "contract": contract,
            "lapsed": services.lapsed_lines(contract),
            "page": lines,
            "form": form,
            "kinds": ContractCharge.Kind.choices,
        },
        status=400 if request.method == "POST" else 200,
    )


@roles_required(*LEADERS, write=True)
def slip_compute(request, pk):
    contract = sel.contract_get(request.user, pk)
    form = SlipForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请选择月份。"))
        slip = services.slip_compute(
            actor=request.user, contract=contract, month=form.cleaned_data["month"]
        )
        messages.success(request, _("已计算 %(m)s 的收回信息单。") % {"m": f"{slip.month:%Y-%m}"})
        return redirect("recovery:slip_detail", slip.pk)
    except DomainError as exc:
        _fail(request, exc)
    return redirect("recovery:contract_detail", contract.pk)


@roles_required()
def slip_detail(request, pk):
    slip = sel.slip_get(request.user, pk)
    contract = slip.contract
    month_end = slip.month.replace(day=calendar.monthrange(slip.month.year, slip.month.month)[1])
    return render(
        request,
        "recovery/contract_slip.html",
        {
            "slip": slip,
            "contract": contract,
            "charges": contract.charges.filter(on__gte=slip.month, on__lte=month_end),
            "bands": BonusBand.for_union(contract.package.union_id),
            "may_check": services.may_check_slip(request.user, contract),
            "may_pay": services.may_pay_slip(request.user, contract),
        },
    )


@roles_required(*CHECKERS, write=True)
def slip_check(request, pk):
    slip = sel.slip_get(request.user, pk)
    _button(request, services.slip_check, _("信息单已审核。"), slip=slip)
    return redirect("recovery:slip_detail", slip.pk)


@roles_required(*PAYERS, write=True)
def slip_pay(request, pk):
    slip = sel.slip_get(request.user, pk)
    _button(request, services.slip_pay, _("已登记发放。"), slip=slip)
    return redirect("recovery:slip_detail", slip.pk)


urlpatterns = [
    path("contract/pricing/", pricing, name="contract_pricing"),
    path("contract/packages/", package_list, name="package_list"),
    path("contract/packages/new/", package_create, name="package_create"),
    path("contract/packages/<int:pk>/", package_detail, name="package_detail"),
    path("contract/packages/<int:pk>/publish/", package_publish, name="package_publish"),
    path("contract/packages/<int:pk>/discard/", package_discard, name="package_discard"),
    path("contract/packages/<int:pk>/register/", package_register, name="package_register"),
    path("contract/packages/<int:pk>/bid/", package_bid, name="package_bid"),
    path("contract/packages/<int:pk>/award/", package_award, name="package_award"),
    path("contract/packages/<int:pk>/sign/", package_sign, name="package_sign"),
    path("contract/contracts/", contract_list, name="contract_list"),
    path("contract/contracts/<int:pk>/", contract_detail, name="contract_detail"),
    path("contract/contracts/<int:pk>/print/", contract_print, name="contract_print"),
    path("contract/contracts/<int:pk>/end/", contract_end, name="contract_end"),
    path("contract/contracts/<int:pk>/forfeit/", contract_forfeit, name="contract_forfeit"),
    path("contract/contracts/<int:pk>/slips/", slip_compute, name="slip_compute"),
    path("contract/slips/<int:pk>/", slip_detail, name="slip_detail"),
    path("contract/slips/<int:pk>/check/", slip_check, name="slip_check"),
    path("contract/slips/<int:pk>/pay/", slip_pay, name="slip_pay"),
]
