"""The NPL register (不良贷款登记簿): one record per pursued debt, on or off balance.

A record is either linked to a `loans.Loan` (entered by the nightly sync when the loan is
次级/可疑/损失) or off-balance stock entered by an Excel import (written off, replaced and
other legacy loans). Everything that later stages build — collection actions, notices,
agreements, the village roll, lawsuits, packages, write-off — hangs off `NplRecord`.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow
from loans.models import RiskClass

from .. import limitation as L

STAFF = settings.AUTH_USER_MODEL


class NplRecord(models.Model):
    class Status(models.TextChoices):
        PURSUING = "pursuing", _("清收中")
        RECOVERED = "recovered", _("已收回")
        CLOSED = "closed", _("已终结")

    workflow = Workflow(
        Status,
        {
            Status.PURSUING: {Status.RECOVERED, Status.CLOSED},
            Status.RECOVERED: {Status.PURSUING},
            Status.CLOSED: {Status.PURSUING},
        },
    )

    class BookStatus(models.TextChoices):
        ON_BALANCE = "on_balance", _("表内")
        WRITTEN_OFF = "written_off", _("已核销（账销案存）")
        REPLACED = "replaced", _("已置换")
        OTHER = "other", _("其他表外")

    class Source(models.TextChoices):
        SYNC = "sync", _("五级分类自动登记")
        IMPORT = "import", _("表外导入")

    class ActualUser(models.TextChoices):
        BORROWER = "borrower", _("借款人本人")
        COLLECTIVE = "collective", _("村集体")
        ENTERPRISE = "enterprise", _("企业")
        GOVERNMENT = "government", _("政府机关")
        OTHER_PERSON = "other_person", _("他人")

    class Cause(models.TextChoices):
        RESPONSIBILITY = "responsibility", _("责任原因形成")
        GOVERNMENT = "government", _("政府干预")
        COLLECTIVE_WORKS = "collective_works", _("村集体及政府修路等")
        LEND_TO_COLLECT = "lend_to_collect", _("以贷收贷、以贷收息")
        DEATH_FLIGHT = "death_flight", _("走死逃亡")
        MORTGAGE_DEFECT = "mortgage_defect", _("抵押手续缺陷")
        ASSET_HARD = "asset_hard", _("抵债资产难变现")
        OFFICER_GONE = "officer_gone", _("信贷人员走逃或开除")
        DEADBEAT = "deadbeat", _("赖债")
        BUSINESS = "business", _("经营失败")
        OTHER = "other", _("其他")

    class Difficulty(models.TextChoices):
        POTENTIAL = "potential", _("有收回潜力")
        DEAD = "dead", _("难收回：借款人死亡")
        BANKRUPT = "bankrupt", _("难收回：破产")
        CRIMINAL = "criminal", _("难收回：被判刑")
        GUARANTOR_UNABLE = "guarantor_unable", _("难收回：保证人无力代偿")
        ENFORCEMENT_ENDED = "enforcement_ended", _("难收回：法院终结执行")

    class BorrowerKind(models.TextChoices):
        PERSON = "person", _("自然人")
        ENTERPRISE = "enterprise", _("企业")

    class EnterpriseStatus(models.TextChoices):
        NONE = "", _("—")
        ACTIVE = "active", _("存续")
        DISSOLVED = "dissolved", _("已解散或注销")
        TRANSFERRED = "transferred", _("已改制或转让")

    class Collateral(models.TextChoices):
        NONE = "none", _("无抵质押")
        VALID = "valid", _("足值有效")
        INSUFFICIENT = "insufficient", _("不足值")
        INVALID = "invalid", _("手续不全或已失效")

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("行政村"),
    )
    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("农户"),
    )
    # Set for loans entered from the five-level book; it stays when part 2 writes the loan
    # off (book status written off, still pursued). Imported off-balance stock has none.
    loan = models.OneToOneField(
        "loans.Loan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="npl_record",
        verbose_name=_("借据"),
    )
    source = models.CharField(_("登记来源"), max_length=10, choices=Source.choices)
    entered_on = models.DateField(_("登记日期"))
    borrower_name = models.CharField(_("借款人"), max_length=50)
    borrower_id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    borrower_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    loan_number = models.CharField(_("借据编号"), max_length=40)
    contract_number = models.CharField(_("合同编号"), max_length=40, blank=True)
    ledger_subject = models.CharField(_("会计科目"), max_length=20, blank=True)
    original_amount = models.DecimalField(_("原借款金额（元）"), **MONEY)
    principal_owed = models.DecimalField(_("本金余额（元）"), **MONEY)
    interest_owed = models.DecimalField(_("欠息（元）"), default=Decimal("0.00"), **MONEY)
    penalty_owed = models.DecimalField(_("罚息（元）"), default=Decimal("0.00"), **MONEY)
    drawn_on = models.DateField(_("放款日期"))
    due_on = models.DateField(_("到期日"), help_text=_("分期的为最后一期到期日。"))
    risk_class = models.PositiveSmallIntegerField(
        _("五级分类"), choices=RiskClass.choices, default=RiskClass.SUBSTANDARD
    )
    book_status = models.CharField(
        _("账务状态"), max_length=12, choices=BookStatus.choices, default=BookStatus.ON_BALANCE
    )
    collector = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("清收责任人"),
    )
    actual_user = models.CharField(
        _("实际用款人"), max_length=12, choices=ActualUser.choices, default=ActualUser.BORROWER
    )
    actual_user_name = models.CharField(_("实际用款人名称"), max_length=100, blank=True)
    cause = models.CharField(
        _("形成原因"), max_length=20, choices=Cause.choices, default=Cause.OTHER
    )
    insider_related = models.BooleanField(_("内部人员介绍或关联"), default=False)
    civil_servant = models.BooleanField(_("公职人员"), default=False)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    heirs = models.TextField(_("继承人或承继单位"), blank=True)
    # Enterprise borrowers (coordination lists, R13): dissolved or transferred firms and
    # whoever took over their debts (新老债务人及担保人).
    borrower_kind = models.CharField(
        _("借款人类型"),
        max_length=10,
        choices=BorrowerKind.choices,
        default=BorrowerKind.PERSON,
        # Set in the database too: the set-based writers (imports, the generator) name
        # their columns and need not know these.
        db_default=BorrowerKind.PERSON,
    )
    enterprise_status = models.CharField(
        _("企业状态"),
        max_length=12,
        choices=EnterpriseStatus.choices,
        blank=True,
        default="",
        db_default="",
    )
    successor = models.CharField(
        _("承继债务的单位或个人"),
        max_length=200,
        blank=True,
        help_text=_("企业解散、改制或转让后承继其债务的单位或个人。"),
        default="",
        db_default="",
    )
    whereabouts = models.CharField(_("现住址或下落"), max_length=200, blank=True)
    collateral = models.CharField(_("抵（质）押物"), max_length=200, blank=True)
    collateral_state = models.CharField(
        _("抵押物状况"), max_length=12, choices=Collateral.choices, default=Collateral.NONE
    )
    collateral_expires_on = models.DateField(_("抵押登记有效期至"), null=True, blank=True)
    last_payment_on = models.DateField(_("最后一次还本付息日"), null=True, blank=True)
    last_collection_on = models.DateField(_("最后一次催收日"), null=True, blank=True)
    difficulty = models.CharField(
        _("清收难度"), max_length=20, choices=Difficulty.choices, default=Difficulty.POTENTIAL
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PURSUING
    )
    # The limitation engine's answer, kept so lists and the nightly sweep read a column.
    limitation_expires_on = models.DateField(_("诉讼时效届满日"), null=True, blank=True)
    limitation_revived = models.BooleanField(_("时效届满后签署"), default=False)
    # Set by set-based writes that change what the limitation depends on; the sweep
    # recomputes exactly these rows.
    limitation_stale = models.BooleanField(_("时效待重算"), default=False)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("不良贷款登记")
        verbose_name_plural = _("不良贷款登记簿")
        ordering = ["-entered_on", "-id"]
        indexes = [
            models.Index(fields=["cooperative", "status", "-id"], name="npl_coop_status"),
            models.Index(fields=["collector", "status"], name="npl_collector"),
            models.Index(fields=["village", "status"], name="npl_village"),
            models.Index(fields=["drawn_on"], name="npl_drawn"),
            models.Index(Collate("borrower_name", "C"), name="npl_name_prefix"),
            models.Index(fields=["borrower_id_number"], name="npl_id_number"),
            models.Index(fields=["loan_number"], name="npl_loan_number"),
            # What the nightly sweep and the expiring list scan.
            models.Index(
                fields=["limitation_expires_on"],
                condition=Q(status="pursuing"),
                name="npl_pursuing_expiry",
            ),
            models.Index(fields=["id"], condition=Q(limitation_stale=True), name="npl_stale"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "loan_number"], name="npl_unique_loan_number"
            ),
            models.CheckConstraint(
                condition=Q(principal_owed__gte=0)
                & Q(interest_owed__gte=0)
                & Q(penalty_owed__gte=0)
                & Q(original_amount__gte=0),
                name="npl_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("drawn_on")), name="npl_due_after_draw"
            ),
            models.CheckConstraint(
                condition=Q(risk_class__gte=0) & Q(risk_class__lte=4), name="npl_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(borrower_kind="enterprise") | Q(enterprise_status=""),
                name="npl_enterprise_status_only_for_enterprises",
            ),
        ]

    def __str__(self):
        return f"{self.borrower_name} {self.loan_number}"

    @property
    def total_owed(self) -> Decimal:
        return self.principal_owed + self.interest_owed + self.penalty_owed

    @property
    def is_off_balance(self) -> bool:
        return self.book_status != self.BookStatus.ON_BALANCE


class NplInstalment(models.Model):
    """An instalment of a debt repayable in instalments (limitation from the last one)."""

    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("登记")
    )
    due_on = models.DateField(_("到期日"))
    amount = models.DecimalField(_("应还金额（元）"), **MONEY)

    class Meta:
        verbose_name = _("分期")
        verbose_name_plural = _("分期")
        ordering = ["record_id", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["record", "due_on"], name="instalment_unique_day"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self):
        return f"{self.due_on} {self.amount}"


class NplGuarantor(models.Model):
    class GuaranteeType(models.TextChoices):
        UNSTATED = "", _("未约定")
        GENERAL = "general", _("一般保证")
        JOINT = "joint", _("连带责任保证")

    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="guarantors", verbose_name=_("登记")
    )
    name = models.CharField(_("保证人"), max_length=50)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    contract_signed_on = models.DateField(_("保证合同签订日"), null=True, blank=True)
    stated_type = models.CharField(
        _("合同约定的保证方式"),
        max_length=10,
        choices=GuaranteeType.choices,
        default=GuaranteeType.UNSTATED,
        blank=True,
    )
    agreed_period_end = models.DateField(
        _("合同约定的保证期间届满日"),
        null=True,
        blank=True,
        help_text=_("合同未约定的留空：主债务到期后六个月。"),
    )
    until_repaid = models.BooleanField(_("约定“直至本息还清为止”"), default=False)
    # The engine's answers (recomputed with the record's).
    period_ends_on = models.DateField(_("保证期间届满日"), null=True, blank=True)
    limitation_expires_on = models.DateField(_("保证责任时效届满日"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保证人")
        verbose_name_plural = _("保证人")
        ordering = ["record_id", "id"]
        indexes = [models.Index(fields=["limitation_expires_on"], name="guarantor_expiry")]

    def __str__(self):
        return self.name

    def guarantee(self) -> L.Guarantee:
        return L.Guarantee(
            signed_on=self.contract_signed_on,
            stated_type=self.stated_type,
            agreed_end=self.agreed_period_end,
            until_repaid=self.until_repaid,
        )

    @property
    def effective_type_label(self) -> str:
        kind, _how = L.guarantee_type(self.guarantee())
        return str(self.GuaranteeType(kind).label)


class LimitationEvent(models.Model):
    """A fact with a limitation effect, with its evidence (docs/rules.md §7). Never edited:
    a mistaken entry is corrected by the admin with the audit trail."""

    class Kind(models.TextChoices):
        DEMAND_RECEIPT = L.DEMAND_RECEIPT, _("催收通知书签收回执")
        DEMAND_POSTAL = L.DEMAND_POSTAL, _("催收函邮寄送达")
        ACKNOWLEDGEMENT = L.ACKNOWLEDGEMENT, _("书面确认债务")
        PARTIAL_PAYMENT = L.PARTIAL_PAYMENT, _("部分还款")
        AGREEMENT = L.AGREEMENT, _("还款协议（计划）")
        LAWSUIT = L.LAWSUIT, _("起诉立案")
        DEDUCTION = L.DEDUCTION, _("扣划债务人账户")
        MEDIA_NOTICE = L.MEDIA_NOTICE, _("媒体公告（下落不明）")
        SUSPENSION = L.SUSPENSION, _("时效中止事由")
        ENFORCEMENT_ENDED = L.ENFORCEMENT_ENDED, _("对借款人执行终结")

    class Signer(models.TextChoices):
        NONE = "", _("—")
        SELF = L.SIGNER_SELF, _("本人")
        RELATIVE = L.SIGNER_RELATIVE, _("同住成年亲属")
        AUTHORISED = L.SIGNER_AUTHORISED, _("授权代理人")
        OTHER = L.SIGNER_OTHER, _("其他人")

    class Media(models.TextChoices):
        NONE = "", _("—")
        NATIONAL = L.MEDIA_NATIONAL, _("全国性媒体")
        PROVINCIAL = L.MEDIA_PROVINCIAL, _("省级媒体")
        LOCAL = L.MEDIA_LOCAL, _("市县级媒体")
        POSTER = L.MEDIA_POSTER, _("村内张贴")

    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="events", verbose_name=_("登记")
    )
    guarantor = models.ForeignKey(
        NplGuarantor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("保证人"),
        help_text=_("留空表示对借款人。"),
    )
    kind = models.CharField(_("事项"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("发生日期"))
    ends_on = models.DateField(
        _("终结日期"), null=True, blank=True, help_text=_("中止事由消除日；诉讼终结日。")
    )
    signer_name = models.CharField(_("签收人"), max_length=50, blank=True)
    signer_relation = models.CharField(
        _("签收人身份"), max_length=12, choices=Signer.choices, blank=True
    )
    receipt_number = models.CharField(_("回执或邮件编号"), max_length=40, blank=True)
    media_level = models.CharField(
        _("公告媒体级别"), max_length=12, choices=Media.choices, blank=True
    )
    media_name = models.CharField(_("公告媒体名称"), max_length=100, blank=True)
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **MONEY)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("诉讼时效事项")
        verbose_name_plural = _("诉讼时效事项")
        ordering = ["record_id", "occurred_on", "id"]
        indexes = [models.Index(fields=["record", "occurred_on"], name="event_record_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("occurred_on")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="event_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.occurred_on} {self.get_kind_display()}"

    def as_engine_event(self) -> L.Event:
        return L.Event(
            kind=self.kind,
            on=self.occurred_on,
            ends_on=self.ends_on,
            signer_relation=self.signer_relation,
            signer_name=self.signer_name,
            receipt_number=self.receipt_number,
            media_level=self.media_level,
            media_name=self.media_name,
            ref=self.pk,
        )


class LimitationWarning(models.Model):
    """One warning queued for one party's expiry at one lead day: the unique key makes the
    sweep send it exactly once, however often it runs."""

    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="warnings", verbose_name=_("登记")
    )
    guarantor = models.ForeignKey(
        NplGuarantor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("保证人"),
    )
    expires_on = models.DateField(_("届满日"))
    lead_days = models.PositiveSmallIntegerField(_("提前天数"))
    queued_on = models.DateField(_("提醒日期"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("时效预警")
        verbose_name_plural = _("时效预警")
        ordering = ["-queued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "guarantor", "expires_on", "lead_days"],
                nulls_distinct=False,
                name="warning_once_per_party_lead",
            )
        ]

    def __str__(self):
        return f"{self.record} {self.expires_on} 前 {self.lead_days} 天"


class RecoverabilityAssessment(models.Model):
    """当年偿还可能性认定 (R2.6): one per record per year, from the home visit, with the
    evidence on file ticked."""

    class Likelihood(models.TextChoices):
        FULL = "full", _("当年可全部收回")
        PARTIAL = "partial", _("当年可部分收回")
        UNLIKELY = "unlikely", _("当年难以收回")
        NONE = "none", _("无法收回")

    EVIDENCE = [
        ("visit", _("入户调查记录")),
        ("income", _("生产经营及收入情况")),
        ("collateral", _("抵押物核查记录")),
        ("guarantor", _("保证人代偿能力调查")),
        ("death", _("死亡证明")),
        ("bankruptcy", _("破产裁定书")),
        ("judgment", _("判决书或调解书")),
        ("termination", _("终结执行裁定书")),
        ("village", _("村委会证明")),
    ]

    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("登记")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    likelihood = models.CharField(_("偿还可能性"), max_length=10, choices=Likelihood.choices)
    income = models.CharField(_("生产经营及收入"), max_length=300, blank=True)
    guarantor_capacity = models.CharField(_("保证人代偿能力"), max_length=300, blank=True)
    willingness = models.CharField(_("还款意愿"), max_length=300, blank=True)
    measures = models.CharField(_("清收措施"), max_length=300, blank=True)
    reasons = models.CharField(_("不能收回的原因"), max_length=300, blank=True)
    evidence = models.JSONField(_("证明材料"), default=list, blank=True)
    assessed_on = models.DateField(_("认定日期"))
    assessed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("认定人")
    )

    class Meta:
        verbose_name = _("偿还可能性认定")
        verbose_name_plural = _("偿还可能性认定")
        ordering = ["record_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["record", "year"], name="assessment_once_a_year")
        ]

    def __str__(self):
        return f"{self.record} {self.year} 年认定"

    def evidence_labels(self) -> list[str]:
        names = dict(self.EVIDENCE)
        return [str(names.get(code, code)) for code in self.evidence]


class NplImport(models.Model):
    """An uploaded off-balance sheet between preview and confirmation (as villages'
    HouseholdImport: the rows live here, confirming trusts only the token)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        DONE = "done", _("已导入")

    token = models.UUIDField(_("令牌"), default=uuid.uuid4, unique=True, editable=False)
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("信用社"),
    )
    uploaded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    rows = models.JSONField(_("数据行"), default=list)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("表外不良贷款导入批次")
        verbose_name_plural = _("表外不良贷款导入批次")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.cooperative} {self.file_name}"
