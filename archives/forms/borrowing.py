"""Forms of the borrowing pages: they check shape; the services enforce the rules."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.errors import DomainError
from creditcoop.forms import DateInput
from creditcoop.models import LOAN_HANDLING_ROLES, Role, Staff

from ..models import BorrowerType, Borrowing, Method
from ..services.borrowing import STAFF_TYPES, files_by_numbers

Status = Borrowing.Status
ALL = [("", _("全部"))]


class BorrowingForm(forms.Form):
    """Register a borrowing. An archivist registers for anyone (the staff member, or an
    external body with its credentials); anyone else asks for themself."""

    borrower_type = forms.ChoiceField(label=_("借阅人类型"), choices=BorrowerType.choices)
    method = forms.ChoiceField(label=_("借阅方式"), choices=Method.choices)
    borrower = forms.ModelChoiceField(
        label=_("借阅员工"), queryset=Staff.objects.none(), required=False
    )
    borrower_name = forms.CharField(label=_("来人姓名"), max_length=50, required=False)
    organisation = forms.CharField(label=_("来访单位"), max_length=100, required=False)
    credential_type = forms.CharField(
        label=_("证件类型"),
        max_length=30,
        required=False,
        help_text=_("如：人民警察证、工作证、执行公务证"),
    )
    credential_number = forms.CharField(label=_("证件号码"), max_length=50, required=False)
    credential_issuer = forms.CharField(label=_("发证机关"), max_length=100, required=False)
    letter_number = forms.CharField(label=_("协查函/介绍信编号"), max_length=50, required=False)
    purpose = forms.CharField(
        label=_("借阅事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    archive_numbers = forms.CharField(
        label=_("档案号"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "A001-b-2026-00001"}),
        help_text=_("每行一个档案号。"),
    )
    is_bulk = forms.BooleanField(label=_("批量借阅（不良贷款尽职调查等）"), required=False)

    EXTERNAL_FIELDS = (
        "borrower_name",
        "organisation",
        "credential_type",
        "credential_number",
        "credential_issuer",
        "letter_number",
    )

    def __init__(self, *args, actor, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.cooperative = actor, cooperative
        self.files = []
        self.registers_for_others = actor.has_role(Role.ARCHIVIST)
        if self.registers_for_others:
            self.fields["borrower"].queryset = Staff.objects.filter(is_active=True).filter(
                Q(cooperative=cooperative)
                | Q(cooperative__isnull=True, union_id=cooperative.union_id)
            )
            self.fields["borrower"].help_text = _("本社员工或联社员工借阅时选择。")
        else:
            # Anyone else asks for themself, as staff of the cooperative or of the union.
            own = BorrowerType.UNION if actor.is_union_wide else BorrowerType.STAFF
            self.fields["borrower_type"].choices = [c for c in BorrowerType.choices if c[0] == own]
            del self.fields["borrower"]
            for name in self.EXTERNAL_FIELDS:
                del self.fields[name]

    @property
    def external_fields(self):
        return [self[n] for n in self.EXTERNAL_FIELDS if n in self.fields]

    def clean_archive_numbers(self):
        text = self.cleaned_data["archive_numbers"]
        numbers = [line.strip() for line in text.replace("，", "\n").splitlines()]
        try:
            self.files = files_by_numbers(cooperative=self.cooperative, numbers=numbers)
        except DomainError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return text

    def clean(self):
        data = super().clean()
        if data.get("borrower_type") in STAFF_TYPES and self.registers_for_others:
            if not data.get("borrower"):
                self.add_error("borrower", _("本社或联社员工借阅，请选择借阅员工。"))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "borrower_type": data["borrower_type"],
            "method": data["method"],
            "purpose": data["purpose"],
            "is_bulk": data.get("is_bulk", False),
            "file_ids": [f.pk for f in self.files],
            "borrower": data.get("borrower"),
        }
        if data["borrower_type"] not in STAFF_TYPES:
            kwargs.update({n: data.get(n, "") for n in self.EXTERNAL_FIELDS})
            kwargs["borrower"] = None
        return kwargs


def _style_small(form) -> None:
    """Bootstrap classes on a filter row (small controls, like the other archive lists)."""
    for f in form.fields.values():
        w = f.widget
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select form-select-sm")
        else:
            w.attrs.setdefault("class", "form-control form-control-sm")


class _FilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style_small(self)


class BorrowingFilterForm(_FilterForm):
    q = forms.CharField(label=_("单号/借阅人/档案号"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=ALL + Status.choices, required=False)
    borrower_type = forms.ChoiceField(
        label=_("借阅人类型"), choices=ALL + BorrowerType.choices, required=False
    )
    method = forms.ChoiceField(label=_("借阅方式"), choices=ALL + Method.choices, required=False)
    overdue = forms.BooleanField(label=_("逾期未还"), required=False)
    incomplete = forms.BooleanField(label=_("归还不齐"), required=False)


class RegisterFilterForm(_FilterForm):
    date_from = forms.DateField(label=_("登记起"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("登记止"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("状态"), choices=ALL + Status.choices, required=False)


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)
    accompanied_by = forms.ModelChoiceField(
        label=_("全程陪同档案管理员"), queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, borrowing, **kwargs):
        super().__init__(*args, **kwargs)
        if borrowing.is_external:
            self.fields["accompanied_by"].queryset = Staff.objects.filter(
                cooperative_id=borrowing.cooperative_id,
                is_active=True,
                roles__contains=[Role.ARCHIVIST],
            ).exclude(roles__overlap=list(LOAN_HANDLING_ROLES))
        else:
            del self.fields["accompanied_by"]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见/说明"), max_length=300, required=False)


class IssueForm(forms.Form):
    signed_name = forms.CharField(
        label=_("借阅人签字姓名"),
        max_length=50,
        help_text=_("借阅人在纸质借阅登记簿上签字后，按签字录入姓名。"),
    )
    due_date = forms.DateField(
        label=_("应还日期"),
        required=False,
        widget=DateInput(),
        help_text=_("留空按档案参数的借阅期限计算；室内查阅为当日。"),
    )


class ReturnForm(forms.Form):
    """The return check: for each file, the items not returned (checkboxes named
    ``missing_<file id>``), and the note a return with items missing must carry."""

    note = forms.CharField(
        label=_("归还验收情况"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"missing_{line.file_id}"] = forms.MultipleChoiceField(
                label=str(line.file),
                required=False,
                choices=[(i.pk, i.name) for i in line.file.items.all()],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("勾选未归还的资料；全部归还则不勾选。"),
            )
        self.order_fields([*(f"missing_{line.file_id}" for line in self.lines), "note"])

    def missing(self) -> dict:
        return {
            line.file_id: [int(i) for i in self.cleaned_data.get(f"missing_{line.file_id}", [])]
            for line in self.lines
        }
