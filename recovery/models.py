from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BadCreditRecord(models.Model):
    """A person's bad credit history at the cooperative (by resident ID number).

    Blacklist, deliberate default (恶意逃债) and written-off loans block any new credit.
    A non-performing loan whose default was not the borrower's fault blocks only until
    principal and interest are repaid in full (DOMAIN §2, existing certificates); after
    that the household may be re-rated and the record stays as history.
    """

    class Kind(models.TextChoices):
        BLACKLIST = "blacklist", _("黑名单")
        MALICIOUS_DEFAULT = "malicious_default", _("恶意逃债")
        WRITTEN_OFF = "written_off", _("已核销")
        NPL = "npl", _("不良贷款")
        OTHER = "other", _("其他")

    # Kinds that never allow new credit while the record is active.
    ALWAYS_BLOCKING = {Kind.BLACKLIST, Kind.MALICIOUS_DEFAULT, Kind.WRITTEN_OFF}

    id_number = models.CharField(_("身份证号码"), max_length=18, db_index=True)
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    settled_on = models.DateField(
        _("本息结清日期"),
        null=True,
        blank=True,
        help_text=_("非本人原因形成的不良贷款，本息全部还清后填写，可重新评级。"),
    )
    active = models.BooleanField(_("有效"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("不良信用记录")
        verbose_name_plural = _("不良信用记录")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(settled_on__isnull=True) | models.Q(kind="npl"),
                name="badrecord_settled_only_npl",
            )
        ]

    def __str__(self):
        return f"{self.name} {self.get_kind_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from villages.idcard import id_number_error, normalize_id

        errors = {}
        if self.id_number:
            self.id_number = normalize_id(self.id_number)
            message = id_number_error(self.id_number)
            if message:
                errors["id_number"] = message
        if self.settled_on and self.kind != self.Kind.NPL:
            errors["settled_on"] = _("只有非本人原因形成的不良贷款可以填写结清日期。")
        if errors:
            raise ValidationError(errors)

    @property
    def blocks_credit(self) -> bool:
        if not self.active:
            return False
        if self.kind in self.ALWAYS_BLOCKING:
            return True
        if self.kind == self.Kind.NPL:
            return self.settled_on is None
        return False

    def block_reason(self) -> str:
        if self.kind == self.Kind.NPL:
            return _("%(name)s 有未结清的不良贷款，须还清全部本息后方可重新评级") % {
                "name": self.name
            }
        return _("%(name)s 有%(kind)s记录，不得新增授信") % {
            "name": self.name,
            "kind": self.get_kind_display(),
        }
