from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Branch, Cooperative, Staff


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
        indexes = [
            models.Index(
                fields=["initials"], name="member_initials_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["name"], name="member_name_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["id_reversed"], name="member_idrev_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from .pinyin import name_initials

        self.id_number = self.id_number.strip().upper()
        self.id_reversed = self.id_number[::-1]
        self.initials = name_initials(self.name)
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
