"""Writes for credit granting, the counter, repayments, interest and classification.

Each service is one transaction: lock what changes (the contract before its loans, always in
that order), check, write, audit, queue side effects on commit. The services live in one
module per seam; this package names them all, so `services.loan_draw(...)` reads as before.
"""

from ._common import DrawdownRefused, LoanError
from .counter import (
    MAX_DRAWDOWN_MONTHS,
    counter_refusal_record,
    loan_draw,
    npl_credit_problem,
    npl_of_family,
)
from .grant import (
    GrantResult,
    GrantTerms,
    HouseholdGuarantee,
    certificate_issue,
    constraint_name,
    credit_grant,
    grantable_applications,
    signing_officers,
    village_credit_grant,
)
from .jobs import (
    CLASSIFY_SQL,
    drawdown_reminders_queue,
    interest_settle,
    loan_classify_manual,
    loans_classify,
    may_classify,
    rule_class,
)
from .repayment import MONEY_STATE, loan_repay, repayment_reverse

__all__ = [
    "CLASSIFY_SQL",
    "MAX_DRAWDOWN_MONTHS",
    "MONEY_STATE",
    "DrawdownRefused",
    "GrantResult",
    "GrantTerms",
    "HouseholdGuarantee",
    "LoanError",
    "certificate_issue",
    "constraint_name",
    "counter_refusal_record",
    "credit_grant",
    "drawdown_reminders_queue",
    "grantable_applications",
    "interest_settle",
    "loan_classify_manual",
    "loan_draw",
    "loan_repay",
    "loans_classify",
    "may_classify",
    "npl_credit_problem",
    "npl_of_family",
    "repayment_reverse",
    "rule_class",
    "signing_officers",
    "village_credit_grant",
]
