from django import forms

from .money import ascii_digits


class AmountField(forms.DecimalField):
    """An amount (or any typed number) read with any digits: full-width １２３．５０ and
    other Unicode digits are made ASCII before the number is checked."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value) if isinstance(value, str) else value)


class DateInput(forms.DateInput):
    """A browser date picker: its value must be ISO (YYYY-MM-DD) whatever the language,
    or the browser shows it blank and the form cannot be saved."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象编号", required=False)
    actor = forms.CharField(label="操作人（工号或姓名）", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=DateInput())
    date_to = forms.DateField(label="截止日期", required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        from .audit_labels import object_type_choices

        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "全部"), *object_type_choices()]
