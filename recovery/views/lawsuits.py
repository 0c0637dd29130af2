"""Pages of legal collection: file a lawsuit on a record, the case's later stages, the
list of cases and the list of judgments sued but not yet applied for enforcement."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.permissions import roles_required

from .. import selectors, selectors_agree, services
from ..forms_agree import LawsuitFileForm, LawsuitForm
from ..models import Lawsuit
from ..services.lawsuits import ENFORCEMENT_APPLY_YEARS, ENFORCEMENT_LAW
from ._roles import PURSUERS, READERS


def _list_context(request, f, page, tab):
    return {
        "page": page,
        "f": f,
        "tab": tab,
        "statuses": Lawsuit.Status.choices,
        "cooperatives": selectors.npl_cooperatives(request.user).order_by("code"),
        "today": timezone.localdate(),
        "law": ENFORCEMENT_LAW,
        "years": ENFORCEMENT_APPLY_YEARS,
    }


@roles_required(*READERS)
def lawsuit_list(request):
    f = selectors_agree.LawsuitFilters.from_query(request.GET)
    page = selectors_agree.lawsuit_page(user=request.user, f=f, page=request.GET.get("page"))
    return render(request, "recovery/lawsuit_list.html", _list_context(request, f, page, "all"))


@roles_required(*READERS)
def lawsuit_unenforced(request):
    f = selectors_agree.LawsuitFilters.from_query(request.GET)
    page = selectors_agree.unenforced_page(user=request.user, f=f, page=request.GET.get("page"))
    return render(
        request, "recovery/lawsuit_list.html", _list_context(request, f, page, "unenforced")
    )


@roles_required(*PURSUERS, write=True)
def lawsuit_create(request, pk):
    record = selectors.record_get(request.user, pk)
    form = LawsuitFileForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            lawsuit = services.lawsuit_file(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("已登记起诉。") + lawsuit.filing_effect)
            return redirect("recovery:lawsuit_detail", lawsuit.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(request, "recovery/lawsuit_form.html", {"record": record, "form": form})


@roles_required(*READERS)
def lawsuit_detail(request, pk):
    lawsuit = selectors_agree.lawsuit_get(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "recovery/lawsuit_detail.html",
        {
            "s": lawsuit,
            "record": lawsuit.record,
            "today": today,
            "days_left": (lawsuit.enforcement_apply_by - today).days
            if lawsuit.enforcement_apply_by
            else None,
            "warnings": list(lawsuit.warnings.all()),
            "may_pursue": services.may_pursue(request.user, lawsuit.record),
            "law": ENFORCEMENT_LAW,
            "years": ENFORCEMENT_APPLY_YEARS,
        },
    )


@roles_required(*PURSUERS, write=True)
def lawsuit_edit(request, pk):
    lawsuit = selectors_agree.lawsuit_get(request.user, pk)
    form = LawsuitForm(request.POST or None, lawsuit=lawsuit)
    if request.method == "POST" and form.is_valid():
        try:
            lawsuit = services.lawsuit_update(
                actor=request.user, lawsuit=lawsuit, **form.cleaned_data
            )
            msg = _("已保存。")
            if lawsuit.enforcement_apply_by and not lawsuit.enforcement_applied_on:
                msg += _("申请执行期限至 %(d)s。") % {"d": lawsuit.enforcement_apply_by}
            messages.success(request, msg)
            return redirect("recovery:lawsuit_detail", lawsuit.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "recovery/lawsuit_form.html",
        {"record": lawsuit.record, "s": lawsuit, "form": form},
    )


urlpatterns = [
    path("lawsuits/", lawsuit_list, name="lawsuit_list"),
    path("lawsuits/unenforced/", lawsuit_unenforced, name="lawsuit_unenforced"),
    path("records/<int:pk>/lawsuits/new/", lawsuit_create, name="lawsuit_create"),
    path("lawsuits/<int:pk>/", lawsuit_detail, name="lawsuit_detail"),
    path("lawsuits/<int:pk>/edit/", lawsuit_edit, name="lawsuit_edit"),
]
