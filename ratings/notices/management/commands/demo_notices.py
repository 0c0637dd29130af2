"""Demo data for public notices: a notice per demo village with line_set applications.

Deterministic and idempotent: a village that already has a notice is left alone, and a
cooperative that already has service promises keeps them. Without line_set applications
(demo_ratings not run) it only sets up the service promises.
"""

from datetime import timedelta

from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from creditcoop.errors import DomainError
from creditcoop.models import Cooperative, Role, Staff
from ratings.models import CreditApplication
from ratings.notices import services
from ratings.notices.models import NoticeBatch, NoticeEntry, NoticePolicy, ServicePromise
from ratings.notices.selectors import hall_loan_types
from villages.models import Village

# Eligibility as the demo cooperatives publish it; names, terms, rates and time limits are
# the service hall's loan types, so the notice board and the hall never disagree.
PROMISES = {
    "农户小额信用贷款": "本村信用户，持贷款证",
    "农户联保贷款": "3至5户自愿组成联保小组",
    "农户担保/抵押贷款": "提供合格保证人或有合法有效的抵押物",
}
PROMISE_TEXT = "\n".join(
    [
        "授信户名单张榜公示不少于5天，接受村民监督。",
        "限时办结，超时追究经办人责任。",
        "不吃、不拿、不卡、不要，欢迎拨打投诉电话监督。",
    ]
)
# (days since publication, objection text) per demo village, in village code order.
PLAN = [(2, "该户常年在外务工，是否在本村经营请核实。"), (10, None), (0, None)]


def _actor(village):
    if village.officer_id and village.officer.has_role(Role.OFFICER):
        return village.officer
    return (
        Staff.objects.filter(cooperative=village.cooperative, roles__contains=[Role.DIRECTOR])
        .order_by("username")
        .first()
    )


class Command(BaseCommand):
    help = "生成张榜公示演示数据（已核定额度的演示村各一期公示，服务承诺）。"

    def handle(self, *args, **options):
        with transaction.atomic():
            for coop in Cooperative.objects.order_by("code"):
                self._promises(coop)
        villages = (
            Village.objects.filter(credit_applications__status=CreditApplication.Status.LINE_SET)
            .distinct()
            .select_related("cooperative", "officer")
            .order_by("cooperative__code", "code")
        )
        if not villages:
            self.stdout.write("没有已核定额度的评级申请（未运行 demo_ratings），不生成公示。")
            return
        today = timezone.localdate()
        for i, village in enumerate(villages):
            if NoticeBatch.objects.filter(village=village).exists():
                continue
            if NoticeEntry.objects.filter(application__village=village).exists():
                continue
            actor = _actor(village)
            if actor is None:
                continue
            days_ago, objection = PLAN[i % len(PLAN)]
            try:
                with transaction.atomic():
                    batch = services.batch_create_draft(village=village, actor=actor)
                    batch = services.batch_publish(
                        batch=batch, actor=actor, today=today - timedelta(days=days_ago)
                    )
                    if objection and batch.is_running(today):
                        services.objection_file(
                            batch=batch, entry=batch.entries.order_by("id").first(), text=objection
                        )
            except DomainError as e:
                self.stdout.write(f"{village}：{e.message}")
                continue
            self.stdout.write(
                f"{village}：已发布{batch}（{batch.start_date} 至 {batch.end_date}，"
                f"{batch.entries.count()} 户）"
            )
        services.notice_end_expired(today=today)

    def _promises(self, coop):
        policy, _created = NoticePolicy.objects.get_or_create(cooperative=coop)
        if not policy.promise_text:
            policy.promise_text = PROMISE_TEXT
            policy.save(update_fields=["promise_text"])
        if ServicePromise.objects.filter(cooperative=coop).exists():
            return
        ServicePromise.objects.bulk_create(
            [
                ServicePromise(
                    cooperative=coop,
                    loan_type=row["loan_type"],
                    term=row["term"],
                    rate=row["rate"],
                    eligibility=PROMISES[row["loan_type"]],
                    time_limit=row["time_limit"],
                    sort_order=n,
                )
                for n, row in enumerate(hall_loan_types())
                if row["loan_type"] in PROMISES
            ]
        )
