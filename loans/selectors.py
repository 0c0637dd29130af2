"""Reads for credit contracts, loans and ledgers, always scoped to the acting user."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum

from creditcoop.money import ascii_digits
from creditcoop.scoping import get_in_scope
from villages.selectors import village_scope

from . import interest
from .models import (
    CommitteeIncentive,
    CounterRefusal,
    CreditContract,
    GrantBatch,
    Loan,
    LoanCertificate,
    Repayment,
)


def contract_scope(user) -> QuerySet[CreditContract]:
    return CreditContract.objects.filter(village__in=village_scope(user).values("pk"))


def contract_get(user, pk) -> CreditContract:
    return get_in_scope(
        contract_scope(user).select_related(
            "village__cooperative",
            "village__officer",
            "household__group",
            "borrower",
            "signed_by",
            "granted_by",
            "application",
        ),
        pk,
        "未找到该授信合同。",
    )


def certificate_get(user, pk) -> LoanCertificate:
    return get_in_scope(
        LoanCertificate.objects.filter(contract__in=contract_scope(user)).select_related(
            "contract__village__cooperative",
            "contract__signed_by",
            "household__group",
            "holder",
            "issued_by",
        ),
        pk,
        "未找到该贷款证。",
    )


def loan_scope(user) -> QuerySet[Loan]:
    return Loan.objects.filter(contract__in=contract_scope(user))


def loan_get(user, pk) -> Loan:
    return get_in_scope(
        loan_scope(user).select_related(
            "contract__village__cooperative",
            "contract__village__officer",
            "contract__borrower",
            "contract__household",
            "contract__certificate",
            "teller",
        ),
        pk,
        "未找到该借据。",
    )


def repayment_get(user, pk) -> Repayment:
    return get_in_scope(
        Repayment.objects.filter(loan__in=loan_scope(user)).select_related(
            "loan__contract__village__cooperative",
            "loan__contract__borrower",
            "loan__contract__certificate",
            "teller",
            "reversed_by",
            "reversal_authorised_by",
        ),
        pk,
        "未找到该还款记录。",
    )


def batch_get(user, pk) -> GrantBatch:
    return get_in_scope(
        GrantBatch.objects.filter(village__in=village_scope(user).values("pk")).select_related(
            "village", "officer", "created_by"
        ),
        pk,
        "未找到该授信批次。",
    )


def refusal_scope(user) -> QuerySet[CounterRefusal]:
    from villages.selectors import cooperative_scope

    return CounterRefusal.objects.filter(cooperative__in=cooperative_scope(user).values("pk"))


@dataclass
class Quote:
    on: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty


def loan_quote(loan: Loan, *, on: date) -> Quote:
    """What the borrower owes if paying on `on` (interest settled to that day)."""
    probe = copy.copy(loan)
    if on > probe.accrued_through and probe.status == Loan.Status.OPEN:
        interest.loan_accrue_to(probe, on)
        interest.loan_settle(probe, on)
    return Quote(
        on=on, principal=probe.principal, interest=probe.interest_due, penalty=probe.penalty_due
    )


def ledger_rows(
    *, user, village_id=None, officer_id=None, risk_class=None, q="", overdue_on=None
) -> QuerySet[CreditContract]:
    """分村清册 / per-officer ledger: one row per active contract with its balance, the
    earliest due date and the worst class of its open loans."""
    open_loans = Loan.objects.filter(contract=OuterRef("pk"), status=Loan.Status.OPEN).order_by()
    qs = (
        contract_scope(user)
        .filter(status=CreditContract.Status.ACTIVE)
        .select_related("village__officer", "household__group", "borrower", "certificate")
        .annotate(
            next_due=Subquery(
                open_loans.values("contract").annotate(d=Min("due_date")).values("d")[:1]
            ),
            worst_class=Subquery(
                open_loans.values("contract").annotate(c=Max("risk_class")).values("c")[:1],
                output_field=IntegerField(),
            ),
        )
    )
    if village_id:
        qs = qs.filter(village_id=village_id)
    if officer_id:
        qs = qs.filter(village__officer_id=officer_id)
    if risk_class not in (None, ""):
        qs = qs.filter(worst_class=int(risk_class))
    if overdue_on:
        qs = qs.filter(next_due__lt=overdue_on)
    q = ascii_digits(q).strip()
    if q:
        qs = qs.filter(
            Q(borrower__name__startswith=q)
            | Q(certificate__number=q.upper())
            | Q(borrower__id_number=q.upper())
        )
    return qs.order_by("village_id", "household__group__number", "household_id", "id")


def incentive_rows(*, village, date_from=None, date_to=None) -> QuerySet[CommitteeIncentive]:
    qs = CommitteeIncentive.objects.filter(village=village)
    if date_from:
        qs = qs.filter(accrued_on__gte=date_from)
    if date_to:
        qs = qs.filter(accrued_on__lte=date_to)
    return qs.select_related("certificate__holder", "household__group").order_by("accrued_on", "id")


def incentive_totals(*, village_ids) -> dict[int, dict]:
    """Per village: how many first certificates earned the incentive, and its totals."""
    rows = (
        CommitteeIncentive.objects.filter(village_id__in=list(village_ids))
        .values("village_id")
        .annotate(
            count=Count("id"), committee=Sum("committee_amount"), assistant=Sum("assistant_amount")
        )
        .order_by()
    )
    return {r["village_id"]: r for r in rows}


def household_loans_summary(*, household) -> dict:
    """What the household's page shows of its credit at the counter: its contracts (newest
    first), the active loan certificate and the open loans. Three queries."""
    contracts = list(
        CreditContract.objects.filter(household=household).order_by("-signed_on", "-id")[:10]
    )
    certificate = (
        LoanCertificate.objects.filter(household=household, status=LoanCertificate.Status.ACTIVE)
        .order_by("-id")
        .first()
    )
    loans = list(
        Loan.objects.filter(contract__household=household, status=Loan.Status.OPEN)
        .select_related("contract")
        .order_by("due_date", "id")
    )
    return {"contracts": contracts, "certificate": certificate, "loans": loans}
