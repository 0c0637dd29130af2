"""The limitation engine (诉讼时效): pure functions, no database (docs/rules.md §7).

Given a debt's due dates, its typed events and the party (the borrower or one guarantor),
it returns the last day of the limitation period and, for every event, whether it counted
and why — in Chinese, for the record's page. The periods here are the law's, not policy:

- L1 Civil Code art. 188: 3 years; 20-year long stop from the day the right was harmed.
- L2 art. 189: instalments — the period runs from the last instalment's due date.
- L9 法释〔2018〕12号 arts. 1–3: a 2-year period (民法通则) that ended before 2017-10-01
  stays ended; one still running on 2017-10-01 becomes 3 years.
- L3 art. 194: an obstacle in the last 6 months suspends; the period then ends 6 months
  after the obstacle ends.
- L4–L6 art. 195 and the SPC rules (arts. 8, 14): a served demand signed by the debtor, a
  co-resident adult relative or an authorised person, a letter proven to arrive, the
  debtor's acknowledgement, a partial payment, a repayment plan, a lawsuit, a lawful
  deduction from the debtor's account, a notice in national or provincial media for a
  debtor who cannot be found: each restarts the period the next day.
- L7 a deduction counts only inside the period; L8 art. 192: after expiry only the
  debtor's own written agreement to pay counts (flagged "signed after expiry").
- L10–L13 guarantors: the guarantee period (6 months after the main debt's due date unless
  agreed; "until repaid" in a pre-2021 contract = 2 years) is never interrupted or
  suspended; a claim inside it starts the guarantee debt's own 3-year limitation; a
  signature after it ends revives nothing.

Days: a period counted in years ends on the corresponding day of the last year (art. 202;
29 February → 28 February); the day of the event itself is not counted (art. 201), so a
debt due on 2020-01-10 may be pursued up to and including 2023-01-10.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

# --- the law's dates ------------------------------------------------------------------------

THREE_YEAR_RULE_FROM = date(2017, 10, 1)  # 民法总则 in force (L9)
JOINT_DEFAULT_BEFORE = date(2021, 1, 1)  # 民法典 in force: unstated guarantee type (L10)
OLD_YEARS, YEARS, LONG_STOP_YEARS = 2, 3, 20
SUSPENSION_MONTHS = 6  # art. 194
GUARANTEE_PERIOD_MONTHS = 6  # art. 692
UNTIL_REPAID_YEARS = 2  # 担保法解释 art. 32

# --- event kinds (the model's choices use these values) -------------------------------------

DEMAND_RECEIPT = "demand_receipt"  # 催收通知书签收回执
DEMAND_POSTAL = "demand_postal"  # 催收函邮寄送达（含拒收）
ACKNOWLEDGEMENT = "acknowledgement"  # 书面确认债务
PARTIAL_PAYMENT = "partial_payment"  # 部分还款
AGREEMENT = "agreement"  # 还款计划 / 还款协议
LAWSUIT = "lawsuit"  # 起诉立案
DEDUCTION = "deduction"  # 扣划债务人账户
MEDIA_NOTICE = "media_notice"  # 报纸公告（债务人下落不明）
SUSPENSION = "suspension"  # 中止事由
ENFORCEMENT_ENDED = "enforcement_ended"  # 对债务人强制执行终结（一般保证）

KIND_LABELS = {
    DEMAND_RECEIPT: "催收通知书签收",
    DEMAND_POSTAL: "催收函邮寄送达",
    ACKNOWLEDGEMENT: "书面确认债务",
    PARTIAL_PAYMENT: "部分还款",
    AGREEMENT: "还款协议（计划）",
    LAWSUIT: "起诉",
    DEDUCTION: "扣划账户存款",
    MEDIA_NOTICE: "媒体公告",
    SUSPENSION: "时效中止事由",
    ENFORCEMENT_ENDED: "对借款人执行终结",
}

# Who may sign a receipt for a natural person (SPC rules art. 8).
SIGNER_SELF, SIGNER_RELATIVE, SIGNER_AUTHORISED, SIGNER_OTHER = (
    "self",
    "relative",
    "authorised",
    "other",
)
SIGNER_LABELS = {
    SIGNER_SELF: "本人",
    SIGNER_RELATIVE: "同住成年亲属",
    SIGNER_AUTHORISED: "授权代理人",
    SIGNER_OTHER: "其他人",
}
VALID_SIGNERS = {SIGNER_SELF, SIGNER_RELATIVE, SIGNER_AUTHORISED}

MEDIA_NATIONAL, MEDIA_PROVINCIAL, MEDIA_LOCAL, MEDIA_POSTER = (
    "national",
    "provincial",
    "local",
    "poster",
)
MEDIA_LABELS = {
    MEDIA_NATIONAL: "全国性媒体",
    MEDIA_PROVINCIAL: "省级媒体",
    MEDIA_LOCAL: "市县级媒体",
    MEDIA_POSTER: "村内张贴",
}

# The debtor's own written agreement to pay (L8): the kinds that may revive after expiry.
WRITTEN_PROMISES = {ACKNOWLEDGEMENT, AGREEMENT, DEMAND_RECEIPT}

# Verdicts on one event.
COUNTED = "counted"  # interrupted, suspended or claimed
REVIVED = "revived"  # the debtor agreed in writing after expiry (L8)
NOTED = "noted"  # kept on file, no effect on the limitation (said why)
REFUSED = "refused"  # not an effect the law allows; the service records nothing


@dataclass(frozen=True)
class Event:
    kind: str
    on: date
    ends_on: date | None = None  # suspension: the obstacle's end; lawsuit: proceedings end
    signer_relation: str = ""
    signer_name: str = ""
    receipt_number: str = ""
    media_level: str = ""
    media_name: str = ""
    ref: object = None  # the caller's id for the event


@dataclass(frozen=True)
class Guarantee:
    signed_on: date | None = None  # the guarantee contract's date
    stated_type: str = ""  # "general", "joint" or "" (not stated)
    agreed_end: date | None = None  # the period the contract agrees, if any
    until_repaid: bool = False  # "until the debt is repaid" (old contracts)


@dataclass
class Step:
    on: date
    kind: str
    verdict: str
    text: str
    ref: object = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class Result:
    """`expires_on`: the last day to act (None while it does not run: a lawsuit or an
    obstacle not yet over, a general guarantee before enforcement against the debtor)."""

    expires_on: date | None
    starts_from: date | None
    steps: list[Step] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    revived_after_expiry: bool = False
    guarantee_period_ends_on: date | None = None

    def verdict_of(self, ref) -> Step | None:
        return next((s for s in self.steps if s.ref == ref), None)

    def is_expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today


# --- dates ----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later; the month's last day when there is none."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def period_end(anchor: date) -> tuple[date, str]:
    """The last day of a limitation period that runs from the day after `anchor`, and how
    it was counted: 2 years when that ended before 2017-10-01 (L9), else 3 years."""
    old = add_years(anchor, OLD_YEARS)
    if old < THREE_YEAR_RULE_FROM:
        return old, f"按原《民法通则》二年时效，已于 {old} 届满（2017年10月1日前届满的不适用三年）"
    end = add_years(anchor, YEARS)
    if anchor < THREE_YEAR_RULE_FROM:
        return end, f"2017年10月1日尚未届满，适用三年时效，至 {end}"
    return end, f"三年时效至 {end}"


def guarantee_period_end(main_due: date, g: Guarantee) -> tuple[date, str]:
    """The guarantee period's last day (L11): as agreed, unless it ends no later than the
    main debt (then as not agreed); "until repaid" in an old contract = 2 years; else 6
    months after the main debt's due date."""
    default = add_months(main_due, GUARANTEE_PERIOD_MONTHS)
    if g.agreed_end is not None:
        if g.agreed_end > main_due:
            return g.agreed_end, f"保证期间按合同约定至 {g.agreed_end}"
        return default, (
            f"合同约定的保证期间早于或等于主债务履行期限，视为没有约定：主债务到期后六个月，至 {default}"
        )
    if g.until_repaid and (g.signed_on is None or g.signed_on < JOINT_DEFAULT_BEFORE):
        end = add_years(main_due, UNTIL_REPAID_YEARS)
        return end, f"合同约定“直至本息还清时为止”，按旧担保法解释为主债务到期后二年，至 {end}"
    return default, f"未约定保证期间：主债务到期后六个月，至 {default}"


def guarantee_type(g: Guarantee) -> tuple[str, str]:
    """The effective type (L10): as stated; unstated = joint for contracts before
    2021-01-01 (担保法 art. 19), general from then on (Civil Code art. 686)."""
    if g.stated_type in ("general", "joint"):
        return g.stated_type, "合同约定为" + (
            "一般保证" if g.stated_type == "general" else "连带责任保证"
        )
    if g.signed_on is not None and g.signed_on < JOINT_DEFAULT_BEFORE:
        return "joint", "合同未约定保证方式，2021年1月1日前签订，按担保法视为连带责任保证"
    return "general", "合同未约定保证方式，按民法典视为一般保证"


# --- one period, its interruptions and suspensions ------------------------------------------


def _evidence_problem(e: Event) -> str | None:
    """Why an event inside the period still does not interrupt, or None."""
    if e.kind == DEMAND_RECEIPT:
        if e.signer_relation not in VALID_SIGNERS:
            who = e.signer_name or "签收人"
            return (
                f"{who}（{SIGNER_LABELS.get(e.signer_relation, '关系不明')}）不是债务人本人、"
                "同住成年亲属或授权代理人，签收不构成有效送达，不中断时效"
            )
        if not e.signer_name:
            return "未记录签收人姓名，不能证明已送达"
    if e.kind == DEMAND_POSTAL and not e.receipt_number:
        return "未记录邮件单号或回执，不能证明催收函已到达"
    if e.kind == MEDIA_NOTICE:
        if e.media_level not in (MEDIA_NATIONAL, MEDIA_PROVINCIAL):
            level = MEDIA_LABELS.get(e.media_level, "其他方式")
            return f"{level}公告不中断时效：债务人下落不明时须在全国或省级有影响的媒体上公告"
        if not e.media_name:
            return "未记录公告媒体名称"
    return None


def _describe(e: Event) -> str:
    parts = []
    if e.signer_name:
        parts.append(f"签收人 {e.signer_name}（{SIGNER_LABELS.get(e.signer_relation, '')}）")
    if e.receipt_number:
        parts.append(f"编号 {e.receipt_number}")
    if e.media_name:
        parts.append(f"{MEDIA_LABELS.get(e.media_level, '')}《{e.media_name}》")
    return "，".join(parts)


def _run_period(
    *,
    start: date,
    events: list[Event],
    long_stop: date | None,
    party: str,
    allow_revival: bool,
) -> tuple[date | None, list[Step], list[str], bool]:
    """The running of one limitation from `start` (the anchor: the period begins the next
    day) through the events in date order. Returns (last day, steps, summary, revived)."""
    expires, how = period_end(start)
    summary = [f"自 {start} 的次日起算，{how}"]
    steps: list[Step] = []
    revived = False
    for e in sorted(events, key=lambda x: (x.on, x.kind != SUSPENSION)):
        label = KIND_LABELS.get(e.kind, e.kind)
        detail = _describe(e)
        detail = f"（{detail}）" if detail else ""
        if e.kind == ENFORCEMENT_ENDED:
            steps.append(Step(e.on, e.kind, NOTED, "已记录，对本项时效没有影响", e.ref))
            continue
        if e.on <= start:
            steps.append(
                Step(e.on, e.kind, NOTED, f"{label}发生在时效起算之前，不产生中断效果", e.ref)
            )
            continue
        if expires is None:
            # A lawsuit or an obstacle is still going on: the period does not run; a new
            # interruption restarts it.
            pass
        elif e.on > expires:
            if e.kind == DEDUCTION:
                reason = f"扣划发生在时效届满（{expires}）之后，不能中断诉讼时效"
            elif e.kind == MEDIA_NOTICE:
                reason = f"公告发生在时效届满（{expires}）之后，不能中断诉讼时效"
            elif e.kind == SUSPENSION:
                reason = f"中止事由发生在时效届满（{expires}）之后，时效已不能中止"
            elif e.kind == LAWSUIT:
                reason = f"起诉时时效已于 {expires} 届满，不产生中断效果，债务人可提出时效抗辩"
            elif e.kind == PARTIAL_PAYMENT:
                steps.append(
                    Step(
                        e.on,
                        e.kind,
                        NOTED,
                        f"时效已于 {expires} 届满；债务人自愿还款有效，但不恢复其余债务的时效",
                        e.ref,
                    )
                )
                continue
            elif (
                allow_revival
                and e.kind in WRITTEN_PROMISES
                and (e.kind != DEMAND_RECEIPT or e.signer_relation == SIGNER_SELF)
            ):
                revived = True
                expires, how = period_end(e.on)
                steps.append(
                    Step(
                        e.on,
                        e.kind,
                        REVIVED,
                        f"时效届满后签署：债务人本人书面同意履行{detail}，"
                        f"不得再以时效届满抗辩（民法典第192条），自次日重新计算，{how}",
                        e.ref,
                    )
                )
                continue
            elif e.kind == DEMAND_RECEIPT:
                reason = (
                    f"时效已于 {expires} 届满；届满后只有债务人本人签字同意履行才有效，"
                    f"{SIGNER_LABELS.get(e.signer_relation, '他人')}签收不恢复时效"
                )
            else:
                reason = f"{label}发生在时效届满（{expires}）之后，不能中断诉讼时效"
            steps.append(Step(e.on, e.kind, REFUSED, reason, e.ref))
            continue

        if e.kind == SUSPENSION:
            if expires is None:
                steps.append(Step(e.on, e.kind, NOTED, "时效当前不在计算中，中止不适用", e.ref))
                continue
            last_six = add_months(expires, -SUSPENSION_MONTHS)
            if e.ends_on is not None and e.ends_on < last_six:
                steps.append(
                    Step(
                        e.on,
                        e.kind,
                        NOTED,
                        f"障碍在时效最后六个月（{last_six} 起）之前已消除，不中止时效",
                        e.ref,
                    )
                )
                continue
            if e.ends_on is None:
                expires = None
                steps.append(
                    Step(
                        e.on,
                        e.kind,
                        COUNTED,
                        "障碍发生在时效最后六个月内，时效中止；障碍消除后满六个月届满",
                        e.ref,
                    )
                )
                continue
            new = add_months(e.ends_on, SUSPENSION_MONTHS)
            if new > expires:
                expires = new
            steps.append(
                Step(
                    e.on,
                    e.kind,
                    COUNTED,
                    f"障碍在时效最后六个月内，时效中止；障碍于 {e.ends_on} 消除，满六个月即 {expires} 届满",
                    e.ref,
                )
            )
            continue

        problem = _evidence_problem(e)
        if problem:
            steps.append(Step(e.on, e.kind, REFUSED, problem, e.ref))
            continue
        if e.kind == LAWSUIT:
            if e.ends_on is None:
                expires = None
                steps.append(
                    Step(
                        e.on,
                        e.kind,
                        COUNTED,
                        "起诉中断时效；诉讼进行中，时效自诉讼终结时重新计算"
                        "（判决后申请执行的期间另行监控）",
                        e.ref,
                    )
                )
            else:
                expires, how = period_end(e.ends_on)
                steps.append(
                    Step(
                        e.on,
                        e.kind,
                        COUNTED,
                        f"起诉中断时效，诉讼于 {e.ends_on} 终结，自次日重新计算，{how}",
                        e.ref,
                    )
                )
            continue
        expires, how = period_end(e.on)
        steps.append(
            Step(e.on, e.kind, COUNTED, f"{label}{detail}中断时效，自次日重新计算，{how}", e.ref)
        )
    if expires is not None and long_stop is not None and expires > long_stop:
        expires = long_stop
        summary.append(f"受二十年最长保护期限制，最迟至 {long_stop}")
    return expires, steps, summary, revived


def borrower_limitation(*, due_dates: list[date], events: list[Event]) -> Result:
    """The borrower's limitation. With instalments it runs from the last instalment's due
    date (art. 189); the 20-year long stop counts from the same day and is never moved."""
    if not due_dates:
        return Result(None, None, [], ["没有到期日，时效尚未起算"])
    start = max(due_dates)
    long_stop = add_years(start, LONG_STOP_YEARS)
    expires, steps, summary, revived = _run_period(
        start=start, events=events, long_stop=long_stop, party="borrower", allow_revival=True
    )
    if len(due_dates) > 1:
        summary.insert(0, f"分期履行的债务（{len(due_dates)} 期），从最后一期到期日 {start} 起算")
    if expires is None:
        summary.append("时效当前不在计算中（诉讼进行中或中止事由尚未消除）")
    return Result(expires, start, steps, summary, revived)


def guarantor_limitation(
    *,
    main_due: date,
    guarantee: Guarantee,
    events: list[Event],
    borrower_events: list[Event] = (),
) -> Result:
    """One guarantor. The guarantee period is fixed (never interrupted or suspended); a claim
    inside it (joint: any demand, acknowledgement, payment, agreement, lawsuit or deduction
    against the guarantor; general: a lawsuit against the borrower) preserves the guarantee,
    whose debt then has its own limitation — from the claim (joint) or from the end of
    enforcement against the borrower (general) — interrupted like any other."""
    period_end_on, period_how = guarantee_period_end(main_due, guarantee)
    kind, kind_how = guarantee_type(guarantee)
    summary = [kind_how, period_how + "（保证期间不中止、不中断、不延长）"]
    steps: list[Step] = []
    events = sorted(events, key=lambda x: x.on)
    claim: Event | None = None
    if kind == "joint":
        for e in events:
            if e.kind in (SUSPENSION, ENFORCEMENT_ENDED) or _evidence_problem(e):
                continue
            if e.on <= period_end_on:
                claim = e
                break
    else:
        claim = next(
            (e for e in borrower_events if e.kind == LAWSUIT and e.on <= period_end_on), None
        )

    if claim is None:
        for e in events:
            if e.on > period_end_on:
                steps.append(
                    Step(
                        e.on,
                        e.kind,
                        NOTED,
                        f"保证期间已于 {period_end_on} 届满且期间内未主张保证责任，"
                        "保证人此后签字不恢复保证责任（法释〔2004〕4号）",
                        e.ref,
                    )
                )
            elif e.kind == SUSPENSION:
                steps.append(Step(e.on, e.kind, NOTED, "保证期间不因中止事由而延长", e.ref))
            else:
                problem = _evidence_problem(e) or "不构成向保证人主张权利"
                verdict = REFUSED if _evidence_problem(e) else NOTED
                if kind == "general":
                    problem = (
                        "一般保证须在保证期间内对债务人提起诉讼或仲裁，向保证人催收不能保全保证责任"
                    )
                    verdict = NOTED
                steps.append(Step(e.on, e.kind, verdict, problem, e.ref))
        summary.append(f"保证期间内未主张权利：保证责任于 {period_end_on} 后消灭")
        return Result(period_end_on, None, steps, summary, False, period_end_on)

    if kind == "joint":
        start = claim.on
        summary.append(f"{claim.on} 在保证期间内向保证人主张权利，保证债务诉讼时效自次日起算")
        later = [e for e in events if e is not claim]
        steps.append(
            Step(
                claim.on,
                claim.kind,
                COUNTED,
                "在保证期间内向保证人主张权利，保全了保证责任",
                claim.ref,
            )
        )
    else:
        ended = next((e for e in borrower_events if e.kind == ENFORCEMENT_ENDED), None)
        summary.append(f"{claim.on} 在保证期间内对债务人起诉，保全了一般保证责任")
        if ended is None:
            summary.append(
                "保证债务诉讼时效自对债务人强制执行终结（先诉抗辩权消灭）之日起算，尚未起算"
            )
            for e in events:
                steps.append(Step(e.on, e.kind, NOTED, "保证债务时效尚未起算", e.ref))
            return Result(None, None, steps, summary, False, period_end_on)
        start = ended.on
        summary.append(f"对债务人执行于 {ended.on} 终结，保证债务诉讼时效自次日起算")
        later = events
    expires, more, how, _revived = _run_period(
        start=start, events=later, long_stop=None, party="guarantor", allow_revival=True
    )
    summary += how
    return Result(expires, start, steps + more, summary, _revived, period_end_on)
