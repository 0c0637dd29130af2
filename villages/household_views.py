"""Household pages: search, the household card, registering and editing a family, and the
Excel import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.permissions import roles_required

from . import services
from .forms import HouseholdForm, ImportUploadForm, MemberFormSet
from .imports import COLUMNS, RELATION_HINT, template_workbook
from .models import HouseholdImport, Member
from .selectors import household_get, household_search, search_kind, village_get, village_writable
from .services import MemberInput
from .views import writable_village

# --- households -----------------------------------------------------------------------------


@roles_required()
def household_search_view(request):
    q = request.GET.get("q", "").strip()
    page = household_search(user=request.user, q=q, page=request.GET.get("page", 1))
    kind = {"id": "身份证号码后几位", "initials": "拼音首字母", "name": "姓名"}[search_kind(q)]
    return render(
        request, "villages/household_search.html", {"q": q, "page": page, "kind": kind if q else ""}
    )


@roles_required()
def household_detail(request, pk):
    household = household_get(request.user, pk)
    # the head first, then in the order entered
    members = sorted(household.members.all(), key=lambda m: (m.relation != "head", m.pk))
    return render(
        request,
        "villages/household_detail.html",
        {
            "household": household,
            "members": members,
            "writable": village_writable(request.user, household.village),
        },
    )


def _member_inputs(formset):
    """The kept rows as service inputs, with the forms they came from, and the ids of the
    members whose "删除" box is ticked. A registered member's row counts even when unchanged;
    an added row left blank does not."""
    inputs, forms, removed = [], [], []
    for form in formset.forms:
        d = form.cleaned_data
        if d.get("DELETE"):
            if d.get("member_id"):
                removed.append(d["member_id"])
            continue
        if not form.has_changed() and not d.get("member_id"):
            continue
        inputs.append(
            MemberInput(
                name=d.get("name", ""),
                relation=d.get("relation", ""),
                id_number=d.get("id_number", ""),
                phone=d.get("phone", ""),
                pk=d.get("member_id"),
            )
        )
        forms.append(form)
    return inputs, forms, removed


def _household_form_view(request, *, village, household=None):
    if household is None:
        initial_members = [{"relation": Member.Relation.HEAD}]
        initial = {}
    else:
        initial_members = [
            {
                "member_id": m.pk,
                "name": m.name,
                "relation": m.relation,
                "id_number": m.id_number,
                "phone": m.phone,
            }
            for m in sorted(
                household.members.all(), key=lambda m: (m.relation != Member.Relation.HEAD, m.pk)
            )
        ]
        initial = {
            "group": household.group_id,
            "address": household.address,
            "phone": household.phone,
            "main_business": household.main_business,
        }
    if request.method == "POST":
        form = HouseholdForm(request.POST, village=village)
        formset = MemberFormSet(request.POST, prefix="m", initial=initial_members)
        if form.is_valid() & formset.is_valid():
            inputs, member_forms, removed = _member_inputs(formset)
            kwargs = dict(
                actor=request.user,
                group=form.cleaned_data["group"],
                members=inputs,
                address=form.cleaned_data["address"],
                phone=form.cleaned_data["phone"],
                main_business=form.cleaned_data["main_business"],
            )
            try:
                if household is None:
                    household = services.household_create(village=village, **kwargs)
                    messages.success(request, _("已登记%(h)s。") % {"h": household})
                else:
                    household = services.household_update(
                        household=household, removed=removed, **kwargs
                    )
                    gone = [
                        f.initial.get("name") or f.cleaned_data.get("name", "")
                        for f in formset.deleted_forms
                        if f.cleaned_data.get("member_id") in removed
                    ]
                    text = _("已保存%(h)s。") % {"h": household}
                    if gone:
                        text += _("已删除家庭成员：%(names)s。") % {"names": "、".join(gone)}
                    messages.success(request, text)
                return redirect("villages:household_detail", household.pk)
            except DomainError as exc:
                add_to_form(form, exc, rows=member_forms)
    else:
        form = HouseholdForm(initial=initial, village=village)
        formset = MemberFormSet(prefix="m", initial=initial_members)
    return render(
        request,
        "villages/household_form.html",
        {
            "village": village,
            "household": household,
            "form": form,
            "formset": formset,
            "relations": Member.Relation.choices,
        },
    )


@roles_required()
def household_create(request, pk):
    village = writable_village(request.user, pk)
    return _household_form_view(request, village=village)


@roles_required()
def household_edit(request, pk):
    household = household_get(request.user, pk)
    if not village_writable(request.user, household.village):
        raise PermissionDenied(_("您不能修改该村的数据。"))
    return _household_form_view(request, village=household.village, household=household)


# --- Excel import ---------------------------------------------------------------------------


@roles_required()
def household_import(request, pk):
    village = writable_village(request.user, pk)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = services.household_import_preview(
                    actor=request.user, village=village, upload=form.cleaned_data["file"]
                )
                return redirect("villages:household_import_preview", village.pk, batch.token)
            except DomainError as exc:
                add_to_form(form, exc)
    else:
        form = ImportUploadForm()
    return render(
        request,
        "villages/household_import.html",
        {
            "village": village,
            "form": form,
            "columns": [label for _k, label in COLUMNS],
            "relation_hint": RELATION_HINT,
            "groups": village.groups.all(),
        },
    )


@roles_required()
def household_import_template(request, pk):
    village = village_get(request.user, pk)
    response = HttpResponse(
        template_workbook(village),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''household-template.xlsx"
    return response


@roles_required()
def household_import_preview(request, pk, token):
    village = writable_village(request.user, pk)
    batch = get_object_or_404(
        HouseholdImport, token=token, village=village, uploaded_by=request.user
    )
    if request.method == "POST":
        try:
            count = services.household_import_confirm(
                actor=request.user, village=village, token=batch.token
            )
            messages.success(request, _("已导入 %(n)s 户。") % {"n": count})
            return redirect("villages:village_detail", village.pk)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("villages:household_import_preview", village.pk, batch.token)
    rows = batch.rows
    return render(
        request,
        "villages/household_import_preview.html",
        {
            "village": village,
            "batch": batch,
            "rows": rows,
            "bad_rows": sum(1 for r in rows if r["errors"]),
            "households": sum(1 for r in rows if r.get("relation_code") == Member.Relation.HEAD),
        },
    )
