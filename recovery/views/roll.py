"""Pages of the village public collection roll (清收公告) and of the blacklist (黑名单)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.permissions import roles_required

from .. import selectors, selectors_roll, services
from ..forms_roll import (
    BlacklistAddForm,
    BlacklistExitForm,
    ConsentForm,
    PostForm,
    ReceiptForm,
    RollCreateForm,
    WitnessForm,
)
from ..models import CollectionRoll, RecoveryPolicy
from ..services.roll import consented_ids, shown_name
from ._roles import MANAGERS, PURSUERS, READERS

# Lines per printed page of the poster (layout, not policy): each page repeats the header.
ROWS_PER_PRINTED_PAGE = 22


@roles_required(*READERS)
def roll_list(request, form=None, status=200):
    user = request.user
    village, state = request.GET.get("village", ""), request.GET.get("status", "")
    page = selectors_roll.roll_page(
        user=user, village=village, status=state, page=request.GET.get("page")
    )
    villages = selectors_roll.roll_villages(user).order_by("name")
    return render(
        request,
        "recovery/roll_list.html",
        {
            "page": page,
            "villages": villages,
            "village": village,
            "status": state,
            "statuses": CollectionRoll.Status.choices,
            "form": form or RollCreateForm(villages=villages),
        },
        status=status,
    )


@roles_required(*PURSUERS, write=True)
def roll_create(request):
    villages = selectors_roll.roll_villages(request.user)
    form = RollCreateForm(request.POST, villages=villages)
    if form.is_valid():
        try:
            roll = services.roll_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已编制清收公告，请逐笔与借据核对。"))
            return redirect("recovery:roll_detail", roll.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return roll_list(request, form=form, status=400)


def _roll_page(request, roll, *, forms=None, status=200):
    lines = selectors_roll.roll_lines(roll)
    ids = [line.record.borrower_id_number for line in lines]
    ids += [g.id_number for line in lines for g in line.record.guarantors.all()]
    consented = consented_ids(ids)
    for line in lines:
        line.shown = line.posted_name or shown_name(
            line.record.borrower_name, line.record.borrower_id_number, consented
        )
        line.borrower_consented = shown_name("x", line.record.borrower_id_number, consented) == "x"
        got = {r.guarantor_id: r for r in line.receipts.all()}
        line.parties = [
            (None, line.record.borrower_name, got.get(None)),
            *[(g, g.name, got.get(g.pk)) for g in line.record.guarantors.all()],
        ]
    forms = forms or {}
    policy = RecoveryPolicy.current(roll.cooperative.union_id)
    return render(
        request,
        "recovery/roll_detail.html",
        {
            "roll": roll,
            "lines": lines,
            "unticked": sum(1 for line in lines if not line.checked),
            "min_copies": policy.roll_min_copies,
            "may_keep": services.roll_may_keep(request.user, roll.village),
            "witness_form": forms.get("witness") or WitnessForm(roll=roll),
            "post_form": forms.get("post") or PostForm(),
            "consent_form": forms.get("consent") or ConsentForm(),
            "receipt_form": forms.get("receipt") or ReceiptForm(),
            "receipt_line": forms.get("receipt_line"),
        },
        status=status,
    )


@roles_required(*READERS)
def roll_detail(request, pk):
    return _roll_page(request, selectors_roll.roll_get(request.user, pk))


@roles_required(*PURSUERS, write=True)
def roll_line_check(request, pk):
    line = selectors_roll.roll_line_get(request.user, pk)
    try:
        services.roll_line_check(
            actor=request.user, line=line, checked=request.POST.get("checked") != "0"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{_roll_url(line.roll_id)}#line-{line.pk}")


def _roll_url(pk):
    from django.urls import reverse

    return reverse("recovery:roll_detail", args=[pk])


@roles_required(*PURSUERS, write=True)
def roll_witness(request, pk):
    roll = selectors_roll.roll_get(request.user, pk)
    form = WitnessForm(request.POST, roll=roll)
    if form.is_valid():
        try:
            services.roll_witness(actor=request.user, roll=roll, **form.cleaned_data)
            messages.success(request, _("已登记村委会证明人。"))
            return redirect("recovery:roll_detail", roll.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _roll_page(request, roll, forms={"witness": form}, status=400)


@roles_required(*PURSUERS, write=True)
def roll_post(request, pk):
    roll = selectors_roll.roll_get(request.user, pk)
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            services.roll_post(
                actor=request.user,
                roll=roll,
                places=form.places_list(),
                posted_on=form.cleaned_data["posted_on"],
            )
            messages.success(request, _("已登记张贴。张贴公告不中断诉讼时效，请入户收取回执。"))
            return redirect("recovery:roll_detail", roll.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _roll_page(request, roll, forms={"post": form}, status=400)


@roles_required(*PURSUERS, write=True)
def roll_receipt_add(request, pk):
    line = selectors_roll.roll_line_get(request.user, pk)
    form = ReceiptForm(request.POST, line=line)
    if form.is_valid():
        try:
            receipt = services.roll_receipt_add(actor=request.user, line=line, **form.cleaned_data)
            if receipt.limitation_event_id:
                messages.success(request, _("已登记回执，作为送达催收通知计入诉讼时效。"))
            else:
                messages.warning(
                    request,
                    _("已登记回执。签收人不是本人、同住成年亲属或授权代理人，不中断诉讼时效。"),
                )
            return redirect(f"{_roll_url(line.roll_id)}#line-{line.pk}")
        except DomainError as exc:
            add_to_form(form, exc)
    roll = selectors_roll.roll_get(request.user, line.roll_id)
    return _roll_page(request, roll, forms={"receipt": form, "receipt_line": line.pk}, status=400)


@roles_required(*PURSUERS, write=True)
def roll_consent(request, pk):
    roll = selectors_roll.roll_get(request.user, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, roll=roll, **form.cleaned_data)
            messages.success(request, _("已登记公布姓名单独同意。"))
            return redirect("recovery:roll_detail", roll.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _roll_page(request, roll, forms={"consent": form}, status=400)


@roles_required(*READERS)
def roll_print(request, pk):
    roll = selectors_roll.roll_get(request.user, pk)
    lines = selectors_roll.roll_lines(roll)
    ids = [line.record.borrower_id_number for line in lines]
    ids += [g.id_number for line in lines for g in line.record.guarantors.all()]
    consented = consented_ids(ids)
    for line in lines:
        line.shown = line.posted_name or shown_name(
            line.record.borrower_name, line.record.borrower_id_number, consented
        )
        line.guarantors_shown = [
            shown_name(g.name, g.id_number, consented) for g in line.record.guarantors.all()
        ]
    pages = [
        lines[i : i + ROWS_PER_PRINTED_PAGE] for i in range(0, len(lines), ROWS_PER_PRINTED_PAGE)
    ] or [[]]
    services.roll_print_log(actor=request.user, roll=roll)
    return render(
        request,
        "recovery/roll_poster.html",
        {
            "roll": roll,
            "pages": pages,
            "page_count": len(pages),
            "total": sum((line.total for line in lines), start=0),
            "paper": "A3" if request.GET.get("paper") == "A3" else "A4",
        },
    )


# --- blacklist ------------------------------------------------------------------------------


@roles_required(*READERS)
def blacklist(request):
    f = selectors_roll.BlacklistFilters.from_query(request.GET)
    page = selectors_roll.blacklist_page(user=request.user, f=f, page=request.GET.get("page"))
    from villages.models import BlacklistReason

    return render(
        request,
        "recovery/blacklist.html",
        {
            "page": page,
            "f": f,
            "reasons": BlacklistReason.choices,
            "exit_form": BlacklistExitForm(),
            "manageable": [
                e.pk
                for e in page
                if e.cooperative and services.may_manage(request.user, e.cooperative)
            ],
        },
    )


@roles_required(*MANAGERS, write=True)
def blacklist_add(request, pk):
    record = selectors.record_get(request.user, pk)
    form = BlacklistAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.blacklist_add(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("已将 %(n)s 列入黑名单。") % {"n": entry.name})
            return redirect(f"{_blacklist_url()}?q={entry.id_number}")
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/blacklist_form.html",
        {
            "record": record,
            "form": form,
            "lapse_years": RecoveryPolicy.current(
                record.cooperative.union_id
            ).blacklist_lapse_years,
        },
        status=400 if request.method == "POST" else 200,
    )


def _blacklist_url():
    from django.urls import reverse

    return reverse("recovery:blacklist")


@roles_required(*MANAGERS, write=True)
def blacklist_exit(request, pk):
    entry = selectors_roll.blacklist_get(request.user, pk)
    form = BlacklistExitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写还清（违约终止）日期。"))
        return redirect(_blacklist_url())
    try:
        if entry.no_fault:
            services.blacklist_exit(
                actor=request.user,
                entry=entry,
                repaid_on=form.cleaned_data["repaid_on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("%(n)s 已还清本息，退出黑名单。") % {"n": entry.name})
        else:
            services.blacklist_default_end(
                actor=request.user, entry=entry, ended_on=form.cleaned_data["repaid_on"]
            )
            messages.success(request, _("已登记违约终止日，期满后自动退出黑名单。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{_blacklist_url()}?q={entry.id_number}&state=all")


urlpatterns = [
    path("rolls/", roll_list, name="roll_list"),
    path("rolls/new/", roll_create, name="roll_create"),
    path("rolls/<int:pk>/", roll_detail, name="roll_detail"),
    path("rolls/<int:pk>/witness/", roll_witness, name="roll_witness"),
    path("rolls/<int:pk>/post/", roll_post, name="roll_post"),
    path("rolls/<int:pk>/consent/", roll_consent, name="roll_consent"),
    path("rolls/<int:pk>/print/", roll_print, name="roll_print"),
    path("roll-lines/<int:pk>/check/", roll_line_check, name="roll_line_check"),
    path("roll-lines/<int:pk>/receipts/", roll_receipt_add, name="roll_receipt_add"),
    path("blacklist/", blacklist, name="blacklist"),
    path("records/<int:pk>/blacklist/", blacklist_add, name="blacklist_add"),
    path("blacklist/<int:pk>/exit/", blacklist_exit, name="blacklist_exit"),
]
