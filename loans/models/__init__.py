"""Credit contracts, loan certificates, drawdowns, repayments and classification.

"One-time credit, balance control, draw as needed, revolving use": a household signs one
credit contract (授信合同) with a line; each drawdown at the counter is a `Loan` (借据);
the contract's `outstanding` is the sum of its loans' principal and never exceeds the line
(row lock in the service and a CHECK constraint here).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY, RATE
from creditcoop.workflow import Workflow

from .incentives import CommitteeIncentive as CommitteeIncentive
from .parameters import LoanSettings as LoanSettings

STAFF = settings.AUTH_USER_MODEL
# Interest products (计息积数 = balance × days) are exact: two decimals, wide.
PRODUCT = dict(max_digits=22, decimal_places=2)


class RiskClass(models.IntegerChoices):
    """Five-level classification; a bigger number is worse, so GREATEST() picks the worse."""

    NORMAL = 0, _("正常")
    WATCH = 1, _("关注")
    SUBSTANDARD = 2, _("次级")
    DOUBTFUL = 3, _("可疑")
    LOSS = 4, _("损失")


NON_PERFORMING = [RiskClass.SUBSTANDARD, RiskClass.DOUBTFUL, RiskClass.LOSS]


class GrantBatch(models.Model):
    """One concentrated credit granting (集中授信) of a village, with what was refused and why."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("行政村")
    )
    signed_on = models.DateField(_("签约日期"))
    officer = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("面签信贷员")
    )
    granted_count = models.PositiveIntegerField(_("授信户数"), default=0)
    granted_total = models.DecimalField(_("授信总额（元）"), default=0, **MONEY)
    refusals = models.JSONField(_("未授信名单"), default=list, blank=True)
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    created_at = models.DateTimeField(_("操作时间"), auto_now_add=True)
    idempotency_key = models.UUIDField(_("表单编号"), unique=True)

    class Meta:
        verbose_name = _("集中授信批次")
        verbose_name_plural = _("集中授信批次")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.village} {self.signed_on} 集中授信"


class CreditContract(models.Model):
    """授信合同: the household's line, term and rate, signed face to face."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        CLOSED = "closed", _("已终止")

    workflow = Workflow(Status, {Status.ACTIVE: {Status.CLOSED}})

    class RateKind(models.TextChoices):
        FIXED = "fixed", _("固定利率")
        LPR = "lpr", _("LPR 加点")

    class Guarantee(models.TextChoices):
        CREDIT = "credit", _("信用")
        GUARANTEE = "guarantee", _("保证")
        JOINT = "joint", _("联保")
        MORTGAGE = "mortgage", _("抵押")
        PLEDGE = "pledge", _("质押")

    NEEDS_GUARANTORS = {Guarantee.GUARANTEE, Guarantee.JOINT}
    NEEDS_COLLATERAL = {Guarantee.MORTGAGE, Guarantee.PLEDGE}

    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    application = models.OneToOneField(
        "ratings.CreditApplication",
        on_delete=models.PROTECT,
        related_name="contract",
        verbose_name=_("评级授信申请"),
    )
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        related_name="credit_contracts",
        verbose_name=_("行政村"),
    )
    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        related_name="credit_contracts",
        verbose_name=_("农户"),
    )
    borrower = models.ForeignKey(
        "villages.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("借款人")
    )
    batch = models.ForeignKey(
        GrantBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("集中授信批次"),
    )
    grade = models.CharField(_("信用等级"), max_length=3)
    line = models.DecimalField(_("授信额度（元）"), **MONEY)
    outstanding = models.DecimalField(_("贷款余额（元）"), default=Decimal("0.00"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("授信期限（月）"))
    start_date = models.DateField(_("授信起始日"))
    end_date = models.DateField(_("授信到期日"))
    rate_kind = models.CharField(
        _("利率方式"), max_length=10, choices=RateKind.choices, default=RateKind.LPR
    )
    lpr_rate = models.DecimalField(_("签约时 LPR"), null=True, blank=True, **RATE)
    basis_points = models.IntegerField(_("加点（基点）"), null=True, blank=True)
    annual_rate = models.DecimalField(_("执行年利率"), **RATE)
    guarantee_type = models.CharField(
        _("担保方式"), max_length=10, choices=Guarantee.choices, default=Guarantee.CREDIT
    )
    guarantors = models.CharField(_("保证人"), max_length=300, blank=True)
    collateral = models.CharField(_("抵（质）押物"), max_length=300, blank=True)
    signed_on = models.DateField(_("面签日期"))
    signed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("面签信贷员")
    )
    borrower_present = models.BooleanField(_("借款人本人到场"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    granted_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("授信操作人")
    )
    granted_at = models.DateTimeField(_("授信时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("授信合同")
        verbose_name_plural = _("授信合同")
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["village", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(outstanding__gte=0) & Q(outstanding__lte=F("line")),
                name="contract_outstanding_within_line",
            ),
            models.CheckConstraint(condition=Q(line__gt=0), name="contract_line_positive"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1) & Q(term_months__lte=24),
                name="contract_term_max_two_years",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="contract_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(annual_rate__gt=0) & Q(annual_rate__lt=Decimal("0.36")),
                name="contract_rate_valid",
            ),
            models.CheckConstraint(
                condition=Q(rate_kind="fixed")
                | (Q(lpr_rate__isnull=False) & Q(basis_points__isnull=False)),
                name="contract_lpr_recorded",
            ),
            models.CheckConstraint(
                condition=Q(borrower_present=True), name="contract_signed_face_to_face"
            ),
            models.CheckConstraint(
                condition=~Q(guarantee_type__in=["guarantee", "joint"]) | ~Q(guarantors=""),
                name="contract_guarantors_where_required",
            ),
            models.CheckConstraint(
                condition=~Q(guarantee_type__in=["mortgage", "pledge"]) | ~Q(collateral=""),
                name="contract_collateral_where_required",
            ),
            # One active contract per household: its line is the household's line.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="active"),
                name="contract_one_active_per_household",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def available(self) -> Decimal:
        return max(self.line - self.outstanding, Decimal("0.00"))

    def rate_text(self) -> str:
        pct = f"{self.annual_rate * 100:.4f}".rstrip("0").rstrip(".")
        if self.rate_kind == self.RateKind.LPR:
            lpr = f"{self.lpr_rate * 100:.4f}".rstrip("0").rstrip(".")
            return f"{pct}%（LPR {lpr}% + {self.basis_points} 基点）"
        return f"{pct}%（固定）"


class LoanCertificate(models.Model):
    """贷款证: one active per household, bound to it and its borrower (not transferable)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        REVOKED = "revoked", _("已收回")

    workflow = Workflow(Status, {Status.ACTIVE: {Status.REVOKED}})

    number = models.CharField(_("贷款证编号"), max_length=30, unique=True)
    contract = models.OneToOneField(
        CreditContract,
        on_delete=models.PROTECT,
        related_name="certificate",
        verbose_name=_("授信合同"),
    )
    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        related_name="loan_certificates",
        verbose_name=_("农户"),
    )
    holder = models.ForeignKey(
        "villages.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("持证人")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    issued_on = models.DateField(_("发证日期"))
    issued_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("发证人")
    )
    revoked_on = models.DateField(_("收回日期"), null=True, blank=True)
    revoke_reason = models.CharField(_("收回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("贷款证")
        verbose_name_plural = _("贷款证")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="active"),
                name="certificate_one_active_per_household",
            )
        ]

    def __str__(self):
        return self.number


class Loan(models.Model):
    """A drawdown (借据) under a credit contract.

    Interest is kept as exact products (计息积数, balance × days) since `accrued_through`
    (the first day not yet counted); settlement turns them into money, rounded to the fen
    once. `interest_due` and `penalty_due` are settled amounts not yet paid.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("未结清")
        CLOSED = "closed", _("已结清")

    # A reversed repayment may reopen a loan it had closed.
    workflow = Workflow(Status, {Status.OPEN: {Status.CLOSED}, Status.CLOSED: {Status.OPEN}})

    number = models.CharField(_("借据编号"), max_length=30, unique=True)
    contract = models.ForeignKey(
        CreditContract, on_delete=models.PROTECT, related_name="loans", verbose_name=_("授信合同")
    )
    amount = models.DecimalField(_("借款金额（元）"), **MONEY)
    principal = models.DecimalField(_("本金余额（元）"), **MONEY)
    drawn_on = models.DateField(_("放款日期"))
    due_date = models.DateField(_("到期日"))
    annual_rate = models.DecimalField(_("执行年利率"), **RATE)
    penalty_rate = models.DecimalField(_("罚息年利率"), **RATE)
    accrued_through = models.DateField(_("已计息至（不含）"))
    normal_product = models.DecimalField(_("正常计息积数"), default=0, **PRODUCT)
    penalty_product = models.DecimalField(_("罚息及复利积数"), default=0, **PRODUCT)
    interest_due = models.DecimalField(_("应收未收利息"), default=Decimal("0.00"), **MONEY)
    interest_due_since = models.DateField(_("欠息起始日"), null=True, blank=True)
    penalty_due = models.DecimalField(_("应收未收罚息及复利"), default=Decimal("0.00"), **MONEY)
    interest_paid = models.DecimalField(_("已收利息"), default=Decimal("0.00"), **MONEY)
    penalty_paid = models.DecimalField(_("已收罚息"), default=Decimal("0.00"), **MONEY)
    last_settled_on = models.DateField(_("上次结息日"), null=True, blank=True)
    last_settled_interest = models.DecimalField(_("上次结计利息"), default=Decimal("0.00"), **MONEY)
    last_settled_penalty = models.DecimalField(
        _("上次结计罚息及复利"), default=Decimal("0.00"), **MONEY
    )
    risk_class = models.PositiveSmallIntegerField(
        _("五级分类"), choices=RiskClass.choices, default=RiskClass.NORMAL
    )
    manual_class = models.PositiveSmallIntegerField(
        _("人工认定分类"), choices=RiskClass.choices, null=True, blank=True
    )
    manual_reason = models.CharField(_("人工认定理由"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    teller = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("放款柜员")
    )
    seal_checked = models.BooleanField(_("已核验印章"), default=False)
    idempotency_key = models.UUIDField(_("表单编号"), unique=True)
    # Bumped by every change (also by the set-based jobs): a reversal needs it unchanged.
    revision = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("放款时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("借据")
        verbose_name_plural = _("借据")
        ordering = ["-drawn_on", "-id"]
        indexes = [
            models.Index(fields=["contract", "status"]),
            # What the nightly classification and the reminders scan.
            models.Index(fields=["due_date"], condition=Q(status="open"), name="loan_open_due"),
            # The counter's check for a family member's non-performing loan.
            models.Index(
                fields=["contract"],
                condition=Q(status="open", risk_class__gte=2),
                name="loan_open_npl",
            ),
            # What the quarterly settlement scans.
            models.Index(
                fields=["accrued_through"], condition=Q(status="open"), name="loan_open_accrued"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gte=0) & Q(principal__lte=F("amount")),
                name="loan_principal_within_amount",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gt=F("drawn_on")), name="loan_due_after_draw"
            ),
            models.CheckConstraint(
                condition=Q(interest_due__gte=0) & Q(penalty_due__gte=0),
                name="loan_dues_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(risk_class__gte=0) & Q(risk_class__lte=4), name="loan_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(manual_class__isnull=True) | Q(risk_class__gte=F("manual_class")),
                name="loan_class_not_better_than_manual",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def total_due(self) -> Decimal:
        return self.principal + self.interest_due + self.penalty_due


class ClassChange(models.Model):
    """Every change of a loan's five-level class, with its date."""

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="class_changes", verbose_name=_("借据")
    )
    changed_on = models.DateField(_("变动日期"))
    from_class = models.PositiveSmallIntegerField(_("原分类"), choices=RiskClass.choices)
    to_class = models.PositiveSmallIntegerField(_("新分类"), choices=RiskClass.choices)
    days_overdue = models.IntegerField(_("逾期天数"), default=0)
    by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认定人"),
    )
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("五级分类变动")
        verbose_name_plural = _("五级分类变动")
        ordering = ["loan_id", "changed_on", "id"]

    def __str__(self):
        return f"{self.changed_on} {self.get_from_class_display()}→{self.get_to_class_display()}"


class Repayment(models.Model):
    """A repayment with its receipt (还款凭证). Never deleted: a mistake is reversed."""

    receipt_number = models.CharField(_("收据编号"), max_length=30, unique=True)
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("借据")
    )
    paid_on = models.DateField(_("还款日期"))
    amount = models.DecimalField(_("还款金额（元）"), **MONEY)
    to_penalty = models.DecimalField(_("归还罚息及复利"), **MONEY)
    to_interest = models.DecimalField(_("归还利息"), **MONEY)
    to_principal = models.DecimalField(_("归还本金"), **MONEY)
    principal_after = models.DecimalField(_("还款后本金余额"), **MONEY)
    teller = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("收款柜员")
    )
    idempotency_key = models.UUIDField(_("表单编号"), unique=True)
    # The loan as it was before this repayment: a reversal puts it back.
    loan_before = models.JSONField(_("还款前借据状态"), default=dict)
    loan_revision_after = models.PositiveIntegerField(_("还款后借据版本"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("冲正时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("冲正人"),
    )
    reversal_reason = models.CharField(_("冲正原因"), max_length=300, blank=True)
    reversal_authorised_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("冲正授权人"),
    )

    class Meta:
        verbose_name = _("还款")
        verbose_name_plural = _("还款")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(amount=F("to_penalty") + F("to_interest") + F("to_principal")),
                name="repayment_split_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True) | ~Q(reversal_reason=""),
                name="repayment_reversal_has_reason",
            ),
        ]

    def __str__(self):
        return self.receipt_number

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class CounterRefusal(models.Model):
    """A drawdown the counter refused (recorded and reported to the director)."""

    class Reason(models.TextChoices):
        NO_SEAL = "no_seal", _("未核验印章")
        CERTIFICATE = "certificate", _("贷款证无效")
        IDENTITY = "identity", _("身份证与贷款证不符")
        EXPIRED = "expired", _("授信已到期")
        OVER_LIMIT = "over_limit", _("超过可用额度")
        TERM = "term", _("借款期限超限")
        BAD_RECORD = "bad_record", _("本人或家庭成员有不良记录")
        NPL = "npl", _("本人或家庭成员有不良贷款")
        SEPARATION = "separation", _("审贷分离")
        OTHER = "other", _("其他")

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("信用社"),
    )
    contract = models.ForeignKey(
        CreditContract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refusals",
        verbose_name=_("授信合同"),
    )
    certificate_number = models.CharField(_("贷款证编号"), max_length=30)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, blank=True)
    amount = models.DecimalField(_("申请金额（元）"), null=True, blank=True, **MONEY)
    reason = models.CharField(_("拒绝类别"), max_length=20, choices=Reason.choices)
    message = models.CharField(_("拒绝原因"), max_length=300)
    teller = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("柜员")
    )
    idempotency_key = models.UUIDField(_("表单编号"), unique=True, null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("柜面拒绝记录")
        verbose_name_plural = _("柜面拒绝记录")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.certificate_number} {self.get_reason_display()}"


class SettlementRun(models.Model):
    """One quarterly interest settlement (结息), claimed once per settlement date."""

    settle_date = models.DateField(_("结息日"), unique=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    loan_count = models.PositiveIntegerField(_("结息借据数"), default=0)
    interest_total = models.DecimalField(_("结计利息合计"), default=0, **MONEY)
    penalty_total = models.DecimalField(_("结计罚息及复利合计"), default=0, **MONEY)

    class Meta:
        verbose_name = _("季度结息")
        verbose_name_plural = _("季度结息")
        ordering = ["-settle_date"]

    def __str__(self):
        return f"{self.settle_date} 结息"
