"""Demo credit: grant the households whose notice has passed, with a few drawdowns and
repayments. Deterministic and idempotent: every operation carries a key derived from what it
is about, so a second run changes nothing."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.management import BaseCommand
from django.utils import timezone

from creditcoop.errors import DomainError
from creditcoop.models import Role, Staff
from loans import services
from loans.models import CreditContract, LoanSettings
from loans.services import GrantTerms
from ratings.models import CreditApplication
from villages.models import Village

NS = uuid.UUID("6f1d3c2e-5a7b-4c1d-9e8f-0a1b2c3d4e5f")


def key(*parts) -> uuid.UUID:
    return uuid.uuid5(NS, ":".join(str(p) for p in parts))


class Command(BaseCommand):
    help = "演示数据：为公示期满的农户集中授信，并办理几笔借款和还款（可重复运行）。"

    def handle(self, *args, **options):
        from ratings.notices.gate import grant_blocker

        today = timezone.localdate()
        s = LoanSettings.current()
        terms = GrantTerms(lpr_rate=s.lpr_one_year, basis_points=s.default_basis_points)
        pending = CreditApplication.objects.filter(
            status=CreditApplication.Status.LINE_SET, contract__isnull=True
        )
        village_ids = sorted(set(pending.values_list("village_id", flat=True)))
        granted = 0
        for village in Village.objects.filter(pk__in=village_ids).select_related(
            "cooperative", "officer"
        ):
            apps = [
                a
                for a in services.grantable_applications(village)
                if grant_blocker(application=a, today=today) is None
            ]
            if not apps:
                continue
            actor = (
                Staff.objects.filter(
                    cooperative=village.cooperative, roles__contains=[Role.DIRECTOR]
                )
                .order_by("username")
                .first()
            )
            if actor is None or village.officer is None:
                continue
            batch = services.village_credit_grant(
                village=village,
                actor=actor,
                officer=village.officer,
                signed_on=today,
                terms=terms,
                present_ids=[a.pk for a in apps],
                idempotency_key=key("grant", village.code, today),
                today=today,
            )
            granted += batch.granted_count
        draws = repays = 0
        contracts = CreditContract.objects.filter(
            status=CreditContract.Status.ACTIVE
        ).select_related("certificate", "borrower", "cooperative")
        for i, contract in enumerate(contracts.order_by("id")[:40]):
            teller = (
                Staff.objects.filter(
                    cooperative=contract.cooperative, roles__contains=[Role.TELLER]
                )
                .order_by("username")
                .first()
            )
            if teller is None:
                continue
            amount = (contract.line * Decimal("0.5")).quantize(Decimal("1"))
            due = min(today + timedelta(days=180), contract.end_date)
            try:
                loan = services.loan_draw(
                    teller=teller,
                    certificate_number=contract.certificate.number,
                    id_number=contract.borrower.id_number,
                    seal_checked=True,
                    amount=amount,
                    due_date=due,
                    idempotency_key=key("draw", contract.number),
                    today=today,
                )
            except DomainError as e:
                self.stdout.write(f"  {contract.number}: {e.message}")
                continue
            draws += 1
            if i % 3 == 0:
                services.loan_repay(
                    loan=loan,
                    teller=teller,
                    amount=(amount / 4).quantize(Decimal("1")),
                    idempotency_key=key("repay", contract.number),
                    paid_on=today,
                )
                repays += 1
        if not granted and not draws:
            self.stdout.write("没有公示期满待授信的农户，跳过贷款演示数据。")
            return
        self.stdout.write(
            f"贷款演示数据：本次授信 {granted} 户，借款 {draws} 笔，还款 {repays} 笔。"
        )
