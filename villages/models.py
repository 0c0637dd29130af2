import calendar
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Collate, Upper
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Branch, Cooperative, Staff
from creditcoop.money import MONEY
from creditcoop.workflow import Workflow


class Village(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="villages", verbose_name=_("信用社")
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="villages",
        verbose_name=_("分社"),
    )
    name = models.CharField(_("行政村"), max_length=50)
    town = models.CharField(_("乡镇"), max_length=50, blank=True)
    code = models.CharField(_("村编码"), max_length=30, unique=True)
    officer = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="villages",
        verbose_name=_("包村信贷员"),
    )
    is_promotion = models.BooleanField(_("阳光信贷推广村"), default=False)

    class Meta:
        verbose_name = _("行政村")
        verbose_name_plural = _("行政村")
        ordering = ["cooperative_id", "code"]

    def __str__(self):
        return f"{self.town}{self.name}" if self.town else self.name


class VillageGroup(models.Model):
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="groups", verbose_name=_("行政村")
    )
    number = models.PositiveSmallIntegerField(_("组号"))
    name = models.CharField(_("村民小组"), max_length=30)

    class Meta:
        verbose_name = _("村民小组")
        verbose_name_plural = _("村民小组")
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="group_unique_number"),
            models.UniqueConstraint(fields=["village", "name"], name="group_unique_name"),
        ]

    def __str__(self):
        return self.name


class Household(models.Model):
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("行政村")
    )
    group = models.ForeignKey(
        VillageGroup,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("村民小组"),
    )
    # Denormalised from the head member for the list and search pages.
    head_name = models.CharField(_("户主姓名"), max_length=50)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    main_business = models.CharField(_("主营项目"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("农户")
        verbose_name_plural = _("农户")
        ordering = ["village_id", "group_id", "id"]
        indexes = [models.Index(fields=["village", "group", "id"])]
        constraints = [
            # The target of the members' (household, village) foreign key, which keeps
            # Member.village equal to the household's village.
            models.UniqueConstraint(fields=["id", "village"], name="household_id_village_key"),
        ]

    def __str__(self):
        return f"{self.head_name}户"


class Member(models.Model):
    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        SIBLING = "sibling", _("兄弟姐妹")
        GRANDCHILD = "grandchild", _("孙子女")
        OTHER = "other", _("其他")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("农户")
    )
    # Always the household's village (set in save(); the database enforces it with a foreign
    # key on (household, village) that follows a household moved to another village), so
    # search can limit a prefix to the user's villages inside one index.
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
        verbose_name=_("行政村"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    id_number = models.CharField(
        _("身份证号码"),
        max_length=18,
        unique=True,
        error_messages={"unique": _("该身份证号码已登记。")},
    )
    # Reversed ID so "last digits" search is an indexed prefix match.
    id_reversed = models.CharField(max_length=18, editable=False)
    initials = models.CharField(_("拼音首字母"), max_length=20, editable=False)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relation="head"),
                name="member_one_head_per_household",
            ),
            models.CheckConstraint(
                condition=models.Q(id_number=Upper("id_number")), name="member_id_upper"
            ),
        ]
        # Prefix search ("zs" → 张三, "张", the last digits of an ID): the C collation lets
        # LIKE 'x%' use a plain btree whatever the database collation is. A cooperative or an
        # officer reads the range of each of their villages from the (village, key, id)
        # indexes and sorts the few matches; union-wide search walks the (key, id) indexes in
        # page order, where the trailing id gives a stable order without a sort.
        indexes = [
            models.Index(Collate("initials", "C"), "id", name="member_initials_c_idx"),
            models.Index(Collate("name", "C"), "id", name="member_name_c_idx"),
            models.Index(Collate("id_reversed", "C"), "id", name="member_idrev_c_idx"),
            models.Index("village", Collate("name", "C"), "id", name="member_village_name_c_idx"),
            models.Index(
                "village", Collate("initials", "C"), "id", name="member_village_initials_c_idx"
            ),
            models.Index(
                "village", Collate("id_reversed", "C"), "id", name="member_village_idrev_c_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from .pinyin import name_initials

        self.id_number = self.id_number.strip().upper()
        self.id_reversed = self.id_number[::-1]
        self.initials = name_initials(self.name)
        self.village_id = self.household.village_id
        super().save(*args, **kwargs)


class CommitteeMember(models.Model):
    class Post(models.TextChoices):
        CHAIR = "chair", _("组长（村支部书记）")
        ASSISTANT = "assistant", _("协理员")
        CLERK = "clerk", _("村文书")
        REPRESENTATIVE = "representative", _("村民代表")

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="committee", verbose_name=_("行政村")
    )
    post = models.CharField(_("职务"), max_length=20, choices=Post.choices)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20)
    staff = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="committee_posts",
        verbose_name=_("系统账号"),
    )
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("村信用评审小组成员")
        verbose_name_plural = _("村信用评审小组成员")
        ordering = ["village_id", "post", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="committee_term_ordered",
            )
        ]

    def __str__(self):
        return f"{self.get_post_display()} {self.name}"


class PromotionSurvey(models.Model):
    """确定推广村: the officer's survey, the cooperative's proposal and the union's decision."""

    class Status(models.TextChoices):
        SURVEYED = "surveyed", _("已调查")
        PROPOSED = "proposed", _("信用社已推荐")
        APPROVED = "approved", _("联社已批准")
        REJECTED = "rejected", _("联社未批准")

    # Templates ask survey.can(step), services enforce it; each move is one PromotionEvent.
    workflow = Workflow(
        Status,
        actions={
            "edit": (Status.SURVEYED, Status.SURVEYED),
            "propose": (Status.SURVEYED, Status.PROPOSED),
            "approve": (Status.PROPOSED, Status.APPROVED),
            "reject": (Status.PROPOSED, Status.REJECTED),
        },
        events=lambda move: PromotionEvent(
            survey=move.obj,
            from_status=move.from_state,
            to_status=move.to_state,
            actor=move.actor,
            reason=move.reason[:500],
        ),
    )
    OPEN = [Status.SURVEYED, Status.PROPOSED]

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("行政村")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SURVEYED
    )
    resident_households = models.PositiveIntegerField(_("常住农户数"))
    local_households = models.PositiveIntegerField(_("长期在本地经营农户数"))
    certificate_count = models.PositiveIntegerField(_("已发放贷款证户数"))
    certificate_amount = models.DecimalField(_("贷款证授信金额（元）"), **MONEY)
    npl_count = models.PositiveIntegerField(_("不良贷款户数"))
    npl_amount = models.DecimalField(_("不良贷款金额（元）"), **MONEY)
    note = models.CharField(_("调查说明"), max_length=500, blank=True)
    surveyed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查人")
    )
    surveyed_at = models.DateTimeField(_("调查录入时间"), auto_now_add=True)
    proposed_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("推荐人"),
    )
    proposed_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审批意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("推广村调查")
        verbose_name_plural = _("推广村调查")
        ordering = ["-surveyed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=models.Q(status__in=["surveyed", "proposed"]),
                name="promotion_one_open_survey",
            ),
            models.CheckConstraint(
                condition=models.Q(local_households__lte=models.F("resident_households")),
                name="promotion_local_le_resident",
            ),
            models.CheckConstraint(
                condition=models.Q(certificate_amount__gte=0) & models.Q(npl_amount__gte=0),
                name="promotion_amounts_nonnegative",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("proposed_by")),
                name="promotion_approver_not_proposer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "surveyed_at"],
                name="promotion_pending_idx",
                condition=models.Q(status="proposed"),
            )
        ]

    def __str__(self):
        return f"{self.village} 推广村调查"

    def can(self, action: str) -> bool:
        return self.workflow.can(self, action)


class PromotionEvent(models.Model):
    """The status history of a promotion survey (who, when, from, to, why)."""

    survey = models.ForeignKey(
        PromotionSurvey, on_delete=models.CASCADE, related_name="events", verbose_name=_("调查")
    )
    from_status = models.CharField(
        _("原状态"), max_length=10, choices=PromotionSurvey.Status.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=10, choices=PromotionSurvey.Status.choices)
    actor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("推广村状态记录")
        verbose_name_plural = _("推广村状态记录")
        ordering = ["survey_id", "at", "id"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class WorkSchedule(models.Model):
    """工作配档表: the dates of the concentrated campaign in one village."""

    village = models.OneToOneField(
        Village, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("行政村")
    )
    rating_date = models.DateField(_("集中信用等级评定日期"), null=True, blank=True)
    credit_date = models.DateField(_("集中授信日期"), null=True, blank=True)
    certificate_date = models.DateField(_("集中办理贷款证日期"), null=True, blank=True)
    officer = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任信贷员")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作配档表")
        verbose_name_plural = _("工作配档表")
        ordering = ["village_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating_date__isnull=True)
                | models.Q(credit_date__isnull=True)
                | models.Q(credit_date__gte=models.F("rating_date")),
                name="schedule_credit_after_rating",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_date__isnull=True)
                | models.Q(certificate_date__isnull=True)
                | models.Q(certificate_date__gte=models.F("credit_date")),
                name="schedule_certificate_after_credit",
            ),
        ]
        indexes = [
            models.Index(fields=["rating_date"], name="schedule_rating_idx"),
            models.Index(fields=["credit_date"], name="schedule_credit_idx"),
            models.Index(fields=["certificate_date"], name="schedule_certificate_idx"),
        ]

    def __str__(self):
        return f"{self.village} 工作配档表"


class HouseholdImport(models.Model):
    """An uploaded household sheet between preview and confirmation.

    The parsed rows live here, keyed by an unguessable token and tied to the uploader and
    village, so confirming never trusts anything the browser sends back but the token.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        DONE = "done", _("已导入")

    token = models.UUIDField(_("令牌"), default=uuid.uuid4, unique=True, editable=False)
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="imports", verbose_name=_("行政村")
    )
    uploaded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    rows = models.JSONField(_("数据行"), default=list)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("农户导入批次")
        verbose_name_plural = _("农户导入批次")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.village} {self.file_name}"


class BlacklistReason(models.TextChoices):
    LATE_REPAYMENT = "late_repayment", _("不能按期还款")
    UNPAID_INTEREST = "unpaid_interest", _("不按期结息")
    MISUSE = "misuse", _("擅自改变贷款用途")
    OTHER = "other", _("其他")


class BlacklistSource(models.TextChoices):
    NPL_RECORD = "npl_record", _("不良贷款登记")
    LOAN = "loan", _("借据")
    MANUAL = "manual", _("手工登记")
    EXTERNAL = "external", _("其他金融机构")


class BlacklistExit(models.TextChoices):
    REPAID = "repaid", _("还清本息退出")
    LAPSED = "lapsed", _("保存期满失效")


class BadCreditRecord(models.Model):
    """A person's bad credit history at the cooperative (by resident ID number).

    Blacklist, deliberate default (恶意逃债) and written-off loans block any new credit.
    A non-performing loan whose default was not the borrower's fault blocks only until
    principal and interest are repaid in full (docs/rules.md §2, existing certificates); after
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
    # Blacklist (黑名单, R12, L18): why, from where, and how the entry ends. Recovery's
    # services write these; this layer only reads `active` (the exit and the nightly lapse
    # clear it).
    reason = models.CharField(
        _("列入原因"), max_length=20, choices=BlacklistReason.choices, blank=True
    )
    source = models.CharField(
        _("来源"), max_length=12, choices=BlacklistSource.choices, default=BlacklistSource.MANUAL
    )
    source_reference = models.CharField(
        _("来源借据编号"), max_length=40, blank=True, help_text=_("不良贷款登记或借据的编号。")
    )
    # The NPL register row (recovery.NplRecord) it came from: an id, not a foreign key,
    # because this layer does not know the recovery app.
    source_record_id = models.PositiveBigIntegerField(_("不良贷款登记序号"), null=True, blank=True)
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记信用社"),
    )
    listed_on = models.DateField(_("列入日期"), null=True, blank=True)
    no_fault = models.BooleanField(
        _("非本人原因违约"),
        default=False,
        help_text=_("非主观原因违约的，还清全部本息后退出黑名单。"),
    )
    default_ended_on = models.DateField(
        _("违约行为终止日"),
        null=True,
        blank=True,
        help_text=_("自该日起满保存年限后不良记录失效（征信业管理条例第十六条）。"),
    )
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    exit_reason = models.CharField(
        _("退出方式"), max_length=10, choices=BlacklistExit.choices, blank=True
    )

    class Meta:
        # Built first by the recovery app: the table keeps its name.
        db_table = "recovery_badcreditrecord"
        verbose_name = _("不良信用记录")
        verbose_name_plural = _("不良信用记录")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(settled_on__isnull=True) | models.Q(kind="npl"),
                name="badrecord_settled_only_npl",
            ),
            models.CheckConstraint(
                condition=models.Q(exited_on__isnull=True) | models.Q(active=False),
                name="badrecord_exited_inactive",
            ),
            models.CheckConstraint(
                condition=models.Q(exited_on__isnull=True, exit_reason="")
                | (models.Q(exited_on__isnull=False) & ~models.Q(exit_reason="")),
                name="badrecord_exit_with_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["default_ended_on"],
                condition=models.Q(active=True, kind="blacklist"),
                name="badrecord_lapse",
            )
        ]

    def __str__(self):
        return f"{self.name} {self.get_kind_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .idcard import id_number_error, normalize_id

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

    def lapses_on(self, years: int):
        """The day a fault entry lapses: `years` after the default ended (29 February → 28
        February, as PostgreSQL adds years). None while the default goes on, and for a
        no-fault default (it exits on full repayment)."""
        if self.no_fault or self.default_ended_on is None:
            return None
        d = self.default_ended_on
        year = d.year + years
        day = 28 if (d.month, d.day) == (2, 29) and not calendar.isleap(year) else d.day
        return d.replace(year=year, day=day)

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
