"""Demo data for credit rating: a concentrated rating campaign in a few villages.

Deterministic and idempotent: a village that already has this year's campaign is left
alone. Uses the staff generate_demo created, looked up by role and cooperative.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.management import BaseCommand
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from creditcoop.models import Role, Staff
from ratings import services
from ratings.models import CreditApplication, RatingCampaign
from villages.models import BadCreditRecord, CommitteeMember, Village

S = CreditApplication.Status
SCORES = [
    {
        "reputation": 20,
        "repayment": 20,
        "income_per_person": 15,
        "net_assets": 12,
        "labour": 15,
        "debt_ratio": 10,
    },  # 92 AAA
    {
        "reputation": 15,
        "repayment": 20,
        "income_per_person": 15,
        "net_assets": 8,
        "labour": 10,
        "debt_ratio": 6,
    },  # 74 AA
    {
        "reputation": 8,
        "repayment": 20,
        "income_per_person": 10,
        "net_assets": 8,
        "labour": 10,
        "debt_ratio": 6,
    },  # 62 A
    {
        "reputation": 8,
        "repayment": 10,
        "income_per_person": 10,
        "net_assets": 8,
        "labour": 10,
        "debt_ratio": 6,
    },  # 52 not rated
]
# Where each of the first households of a village ends up (cycled).
TARGETS = [
    S.DRAFT,
    S.INITIAL,
    S.REVIEW,
    S.DECISION,
    S.LINE_PROPOSAL,
    S.LINE_OFFICER,
    S.LINE_REVIEW,
    S.LINE_DIRECTOR,
    S.LINE_SET,
    S.LINE_SET,
    S.LINE_SET,
    S.INITIAL,
]
ORDER = [
    S.DRAFT,
    S.INITIAL,
    S.REVIEW,
    S.DECISION,
    S.LINE_PROPOSAL,
    S.LINE_OFFICER,
    S.LINE_REVIEW,
    S.LINE_DIRECTOR,
    S.LINE_SET,
]


def _first(qs):
    return qs.order_by("username").first()


class Command(BaseCommand):
    help = "生成信用评级演示数据（几个村的集中评级，各环节都有申请）。"

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=3)
        parser.add_argument("--households", type=int, default=24)

    def handle(self, *args, villages, households, **options):
        year = timezone.localdate().year
        candidates = (
            Village.objects.filter(
                officer__officer_grade__in=[1, 2], officer__roles__contains=[Role.OFFICER]
            )
            .annotate(n=Count("households"))
            .filter(n__gte=households)
            .order_by("cooperative__code", "code")
        )
        made = 0
        for village in candidates:
            if made >= villages:
                break
            if RatingCampaign.objects.filter(village=village, year=year).exists():
                made += 1
                continue
            actors = self._actors(village)
            if actors is None:
                continue
            with transaction.atomic():
                self._campaign(village, year, actors, households)
            made += 1
            self.stdout.write(f"{village}：已生成 {year} 年集中评级演示数据")
        if not made:
            self.stdout.write("没有合适的演示村（需要包村信贷员、主任和审贷小组成员）。")

    def _actors(self, village):
        coop_staff = Staff.objects.filter(cooperative=village.cooperative, is_active=True)
        director = _first(coop_staff.filter(roles__contains=[Role.DIRECTOR])) or _first(
            coop_staff.filter(roles__contains=[Role.DEPUTY])
        )
        reviewer = _first(coop_staff.filter(roles__contains=[Role.REVIEW_GROUP]))
        if director is None or reviewer is None or director.pk == village.officer_id:
            return None
        today = timezone.localdate()
        committee = (
            CommitteeMember.objects.filter(
                village=village,
                staff__isnull=False,
                staff__roles__contains=[Role.COMMITTEE],
                term_start__lte=today,
            )
            .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
            .select_related("staff")
            .order_by("id")
            .first()
        )
        return {
            "officer": village.officer,
            "director": director,
            "reviewer": reviewer,
            "committee": committee.staff if committee else village.officer,
        }

    def _campaign(self, village, year, actors, count):
        officer = actors["officer"]
        today = timezone.localdate()
        campaign = services.campaign_create(
            actor=officer,
            village=village,
            year=year,
            rating_date=today,
            credit_date=today + timedelta(7),
            certificate_date=today + timedelta(14),
        )
        free = village.households.exclude(
            credit_applications__status__in=CreditApplication.OPEN_STATUSES
        ).order_by("id")[:count]
        small = village.cooperative.small_loan_max
        for i, household in enumerate(free):
            head = household.members.filter(relation="head").first()
            if head is None:
                continue
            amount = min(Decimal("30000"), small)
            app = services.application_create(
                actor=officer,
                household=household,
                applicant=head,
                requested_amount=amount,
                campaign=campaign,
            )
            if i == 5:  # one household with a blacklisted family member
                member = household.members.order_by("-id").first()
                BadCreditRecord.objects.get_or_create(
                    id_number=member.id_number,
                    kind=BadCreditRecord.Kind.BLACKLIST,
                    defaults={"name": member.name, "note": "演示：拖欠利息被列入黑名单"},
                )
            scores = SCORES[3] if i % 12 == 3 else SCORES[i % 3]  # one in twelve below 60
            self._advance(app, TARGETS[i % len(TARGETS)], scores, actors, i)

    def _advance(self, app, target, scores, actors, i):
        officer, today = actors["officer"], timezone.localdate()
        reach = ORDER.index(target)
        if target == S.DRAFT:
            services.application_documents_update(
                application=app, actor=officer, values={"doc_id_copy": True, "doc_hukou_copy": True}
            )
            return
        services.application_documents_update(
            application=app,
            actor=officer,
            values={f: True for f in CreditApplication.REQUIRED_DOCUMENTS},
        )
        members = list(app.household.members.all())
        app = services.application_investigate(
            application=app,
            actor=officer,
            visit_date=today - timedelta(days=2),
            visit_note="入户走访，核实家庭经营与收入情况",
            consents={m.pk: True for m in members},
            family_size=len(members),
            net_assets=Decimal(80000 + 10000 * (i % 7)),
            annual_net_income=Decimal(40000 + 5000 * (i % 5)),
            other_debt=Decimal("0"),
        )
        if app.status == S.REJECTED:
            return
        app = services.application_submit(application=app, actor=officer)
        if reach <= ORDER.index(S.INITIAL):
            if i % 2:
                services.application_initial_rate(
                    application=app, actor=actors["committee"], scores=scores
                )
            return
        app = services.application_initial_rate(
            application=app, actor=actors["committee"], scores=scores, advance=True
        )
        if target == S.REVIEW:
            return
        app = services.application_review(application=app, actor=officer)
        if target == S.DECISION:
            return
        services.applications_decide(
            actor=actors["reviewer"],
            applications=[app],
            held_on=today,
            members=[actors["reviewer"]],
        )
        app.refresh_from_db()
        if app.status == S.REJECTED or target == S.LINE_PROPOSAL:
            return
        line = min(app.line_cap, Decimal("20000"))
        app = services.application_line_propose(
            application=app, actor=actors["committee"], amount=line, term_months=24, advance=True
        )
        if target == S.LINE_OFFICER:
            return
        app = services.application_line_officer(
            application=app, actor=officer, amount=line, opinion="同意", advance=True
        )
        if target == S.LINE_REVIEW:
            return
        app = services.application_line_review(
            application=app, actor=actors["reviewer"], amount=line, opinion="同意", advance=True
        )
        if target == S.LINE_DIRECTOR:
            return
        services.application_line_final(
            application=app, actor=actors["director"], amount=line, term_months=24
        )
