"""Scorecards: the default card, new versions, publishing, validating scores."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record

from ..models import (
    Scorecard,
    ScoreIndicator,
    ScoreOption,
)
from ..rules import (
    RatingError,
)

DEFAULT_INDICATORS = [
    (
        "reputation",
        "信誉状况",
        ScoreIndicator.Kind.CHOICE,
        "",
        [("好（遵纪守法、邻里评价高）", 20), ("较好", 15), ("一般", 8), ("差", 0)],
    ),
    (
        "repayment",
        "还款记录",
        ScoreIndicator.Kind.CHOICE,
        "",
        [("无借款或按期还款", 20), ("曾逾期已结清", 10), ("有欠息或逾期未还", 0)],
    ),
    (
        "income_per_person",
        "家庭人均纯收入",
        ScoreIndicator.Kind.RANGE,
        "元",
        [
            ("2万元及以上", 20, 20000, None),
            ("1万至2万元", 15, 10000, 20000),
            ("5千至1万元", 10, 5000, 10000),
            ("5千元以下", 5, None, 5000),
        ],
    ),
    (
        "net_assets",
        "家庭净资产",
        ScoreIndicator.Kind.RANGE,
        "元",
        [
            ("20万元及以上", 15, 200000, None),
            ("10万至20万元", 12, 100000, 200000),
            ("5万至10万元", 8, 50000, 100000),
            ("5万元以下", 4, None, 50000),
        ],
    ),
    (
        "labour",
        "劳动力与技能",
        ScoreIndicator.Kind.CHOICE,
        "",
        [("劳力充足、有专长", 15), ("劳力一般", 10), ("劳力弱", 5)],
    ),
    (
        "debt_ratio",
        "资产负债率",
        ScoreIndicator.Kind.RANGE,
        "%",
        [
            ("30%以下", 10, None, 30),
            ("30%至50%", 6, 30, 50),
            ("50%至70%", 3, 50, 70),
            ("70%及以上", 0, 70, None),
        ],
    ),
]


def scorecard_current() -> Scorecard:
    """The active scorecard; the default one (docs/rules.md §2) is created on first use."""
    sc = Scorecard.objects.filter(status=Scorecard.Status.ACTIVE).first()
    if sc is None:
        sc = scorecard_create_default()
    return sc


def scorecard_create_default(*, actor=None) -> Scorecard:
    try:
        with transaction.atomic():
            if Scorecard.objects.filter(status=Scorecard.Status.ACTIVE).exists():
                return Scorecard.objects.get(status=Scorecard.Status.ACTIVE)
            version = (Scorecard.objects.aggregate(m=Max("version"))["m"] or 0) + 1
            sc = Scorecard.objects.create(
                version=version,
                status=Scorecard.Status.ACTIVE,
                created_by=actor,
                published_at=timezone.now(),
                note="默认评分卡：满分100分，≥80 AAA，70–79 AA，60–69 A。",
            )
            for order, (code, name, kind, unit, options) in enumerate(DEFAULT_INDICATORS):
                ind = ScoreIndicator.objects.create(
                    scorecard=sc, code=code, name=name, kind=kind, unit=unit, order=order
                )
                for i, opt in enumerate(options):
                    low = high = None
                    if len(opt) == 4:
                        low, high = opt[2], opt[3]
                    ScoreOption.objects.create(
                        indicator=ind, label=opt[0], points=opt[1], low=low, high=high, order=i
                    )
            audit_record(actor=actor, action="ratings.scorecard_create", obj=sc)
            return sc
    except IntegrityError:
        return Scorecard.objects.get(status=Scorecard.Status.ACTIVE)


@transaction.atomic
def scorecard_new_version(*, scorecard: Scorecard, actor) -> Scorecard:
    """Copy a scorecard into a new draft version; the original never changes."""
    source = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    version = (Scorecard.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    copy = Scorecard.objects.create(
        name=source.name,
        version=version,
        status=Scorecard.Status.DRAFT,
        aaa_min=source.aaa_min,
        aa_min=source.aa_min,
        a_min=source.a_min,
        aaa_max_line=source.aaa_max_line,
        aa_max_line=source.aa_max_line,
        a_max_line=source.a_max_line,
        income_cap_ratio=source.income_cap_ratio,
        max_term_months=source.max_term_months,
        note=f"由第{source.version}版复制",
        created_by=actor,
    )
    for ind in source.indicators.prefetch_related("options"):
        new_ind = ScoreIndicator.objects.create(
            scorecard=copy,
            code=ind.code,
            name=ind.name,
            kind=ind.kind,
            unit=ind.unit,
            order=ind.order,
        )
        ScoreOption.objects.bulk_create(
            ScoreOption(
                indicator=new_ind,
                label=o.label,
                points=o.points,
                low=o.low,
                high=o.high,
                order=o.order,
            )
            for o in ind.options.all()
        )
    audit_record(
        actor=actor,
        action="ratings.scorecard_new_version",
        obj=copy,
        changes={"from_version": source.version},
    )
    return copy


@transaction.atomic
def scorecard_publish(*, scorecard: Scorecard, actor) -> Scorecard:
    """Put a draft into use; the previously active version is retired (its ratings keep it)."""
    sc = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if sc.status != Scorecard.Status.DRAFT:
        raise RatingError(_("只有草稿状态的评分卡可以启用。"))
    indicators = list(sc.indicators.prefetch_related("options"))
    if not indicators:
        raise RatingError(_("评分卡至少需要一个评分指标。"))
    empty = [i.name for i in indicators if not i.options.all()]
    if empty:
        raise RatingError(_("以下指标没有评分选项：%s") % "、".join(empty))
    total = sum(i.max_points for i in indicators)
    if total < sc.aaa_min:
        raise RatingError(
            _("各指标最高分合计 %(total)s 分，达不到 AAA 最低分 %(min)s 分。")
            % {"total": total, "min": sc.aaa_min}
        )
    old = list(Scorecard.objects.select_for_update().filter(status=Scorecard.Status.ACTIVE))
    Scorecard.objects.filter(pk__in=[o.pk for o in old]).update(status=Scorecard.Status.RETIRED)
    sc.status = Scorecard.Status.ACTIVE
    sc.published_at = timezone.now()
    sc.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor,
        action="ratings.scorecard_publish",
        obj=sc,
        changes={"retired": [o.version for o in old]},
    )
    return sc


def scores_clean(scorecard: Scorecard, scores: dict, *, partial=False) -> tuple[dict, int | None]:
    """Validate {indicator code: points}; returns (clean scores, total or None if incomplete)."""
    indicators = scorecard_indicators(scorecard)
    clean = {}
    for ind in indicators:
        raw = scores.get(ind.code)
        if raw in (None, ""):
            if partial:
                continue
            raise RatingError(_("请为“%s”评分。") % ind.name)
        try:
            points = int(raw)
        except (TypeError, ValueError):
            raise RatingError(_("“%s”的分值无效。") % ind.name)
        allowed = {o.points for o in ind.options.all()}
        if points not in allowed:
            raise RatingError(
                _("“%(name)s”的分值只能是 %(allowed)s。")
                % {"name": ind.name, "allowed": "、".join(str(p) for p in sorted(allowed))}
            )
        clean[ind.code] = points
    unknown = set(scores) - {i.code for i in indicators}
    if unknown:
        raise RatingError(
            _("评分卡第%s版中没有这些指标：") % scorecard.version + "、".join(unknown)
        )
    total = sum(clean.values()) if len(clean) == len(indicators) else None
    return clean, total


def scorecard_indicators(scorecard) -> list:
    """The indicators of a scorecard with their options, read once per instance."""
    cache = getattr(scorecard, "_indicator_cache", None)
    if cache is None:
        cache = list(scorecard.indicators.prefetch_related("options"))
        scorecard._indicator_cache = cache
    return cache
