from decimal import Decimal

from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from creditcoop import workdays
from creditcoop.deadlines import sweep
from creditcoop.models import Cooperative, Role, Staff
from creditcoop.servicehall import selectors, services
from creditcoop.servicehall.models import DutyPost, LoanType, Walkin, WalkinKind

Village = Walkin._meta.get_field("village").related_model

# (working days ago, kind, name, loan type index, amount, answer after n working days or
#  None, refused reason)
WALKINS = [
    (12, WalkinKind.APPLICATION, "张建国", 0, "30000", 1, ""),
    (11, WalkinKind.ENQUIRY, "李秀英", None, None, None, ""),
    (10, WalkinKind.APPLICATION, "王志强", 1, "80000", 4, ""),
    (9, WalkinKind.APPLICATION, "刘桂兰", 0, "20000", 2, "家庭成员在本社有逾期贷款未结清"),
    (8, WalkinKind.APPLICATION, "陈永福", 2, "150000", None, ""),
    (6, WalkinKind.ENQUIRY, "杨春梅", None, None, None, ""),
    (4, WalkinKind.APPLICATION, "赵德明", 3, "60000", None, ""),
    (1, WalkinKind.APPLICATION, "孙丽华", 0, "10000", None, ""),
]


class Command(BaseCommand):
    help = "服务大厅演示数据：值班表、来访登记、办结时限与超期问责（可重复运行）。"

    def handle(self, *args, **options):
        today = timezone.localdate()
        month = today.replace(day=1)
        next_month = (month.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
        # The walk-ins below go back 12 working days, into last month's roster.
        last_month = (month - timezone.timedelta(days=1)).replace(day=1)
        loan_types = list(LoanType.objects.filter(is_active=True).order_by("sort_order", "id"))
        done = 0
        for coop in Cooperative.objects.order_by("code"):
            staff = Staff.objects.filter(cooperative=coop, is_active=True)
            director = staff.filter(roles__contains=[Role.DIRECTOR]).order_by("username").first()
            duty = (
                staff.filter(roles__contains=[Role.OFFICER], officer_grade__in=[1, 2])
                .order_by("username")
                .first()
            )
            villages = list(
                Village.objects.filter(cooperative=coop, officer__isnull=False).order_by("code")[:8]
            )
            if director is None or duty is None or not villages or not loan_types:
                continue
            for m in (last_month, month, next_month):
                roster = services.roster_get_or_create(cooperative=coop, month=m)
                if not roster.is_published:
                    services.roster_autofill(roster_id=roster.pk, actor=None)
            for m in (last_month, month):
                roster = services.roster_get_or_create(cooperative=coop, month=m)
                if not roster.is_published and not services.roster_problems(roster):
                    services.roster_publish(roster_id=roster.pk, actor=director)
            if Walkin.objects.filter(cooperative=coop).exists():
                continue
            with transaction.atomic():
                self._walkins(coop, today, director, villages, loan_types)
            done += 1
        counts = sweep.deadline_sweep(today=today)
        self.stdout.write(f"服务大厅演示数据：{done} 个信用社新增来访登记；时限扫描 {counts}")

    def _walkins(self, coop, today, director, villages, loan_types):
        for i, (ago, kind, name, type_index, amount, answer_after, refusal) in enumerate(WALKINS):
            day = workdays.add_working_days(today, -ago)
            village = villages[i % len(villages)]
            # Registered by that day's duty officer, as in the hall.
            shift = (
                selectors.duty_shifts_on(coop.pk, day)
                .filter(post=DutyPost.OFFICER)
                .order_by("staff__username")
                .first()
            )
            walkin = services.walkin_register(
                actor=shift.staff if shift else director,
                kind=kind,
                customer_name=name,
                phone=f"1380000{coop.pk % 100:02d}{i:02d}",
                village=village,
                need="购买农资、扩大种养殖"
                if kind == WalkinKind.APPLICATION
                else "咨询贷款条件和利率",
                loan_type=loan_types[type_index % len(loan_types)]
                if type_index is not None
                else None,
                amount=Decimal(amount) if amount else None,
                today=day,
            )
            if answer_after is not None:
                answered = min(workdays.add_working_days(day, answer_after), today)
                services.walkin_settle(
                    walkin_id=walkin.pk,
                    actor=walkin.officer,
                    step="answer",
                    outcome="refuse" if refusal else "approve",
                    note=refusal,
                    today=answered,
                )
