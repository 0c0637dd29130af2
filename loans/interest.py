"""Interest arithmetic: daily rate = annual rate ÷ 360, kept as exact products (积数).

Between two events (a drawdown, a repayment, a settlement) a loan's balances do not change,
so "interest accrues daily" is the same as adding balance × days to a product and turning
the product into money once, at settlement: interest = product × rate ÷ 360, rounded half-up
to the fen by `creditcoop.money.to_fen`. The set-based quarterly settlement does the same in
SQL (`SETTLE_SQL`): PostgreSQL's ROUND(numeric, 2) rounds halves away from zero, which for
these never-negative amounts is the same half-up rounding; the golden tests check that both
paths give the same fen.

Which balance bears what (People's Bank interest rules, `docs/rules.md` §4):
- principal before its due date: the contract rate (normal product);
- principal from its due date on (overdue): the penalty rate = contract rate × (1 + markup)
  (penalty product);
- settled interest not paid (欠息): compound interest at the penalty rate (penalty product).
Days are counted [from, to): a loan drawn on D and repaid on R bears R − D days.

The settlement day (结息日, the 20th of March, June, September and December) is an ordinary
counter day: interest runs up to and including it, so the quarter can only be settled once
that day is over. The periodic job settles it the next morning (the 21st, 付息日), and the
settled interest is payable that day: it counts as overdue from the 22nd (see
`interest_payable_on`). A repayment on the 20th therefore settles to the day at the counter
like any other day, and that loan is left out of the quarter's run: the settlement day's
own interest is carried into the next quarter rather than billed alone the next morning.
A loan drawn on the 20th bears that day (算头不算尾) and is billed it in that quarter. A
settlement date missed while the system was down is settled, in turn, by the next run.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from creditcoop.money import ZERO, to_fen

DAYS_IN_YEAR = Decimal(360)
SETTLE_MONTHS = (3, 6, 9, 12)
SETTLE_DAY = 20


def add_months(d: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def penalty_rate_for(annual_rate: Decimal, markup: Decimal) -> Decimal:
    return (Decimal(annual_rate) * (1 + Decimal(markup))).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_UP
    )


def settle_date_on_or_before(d: date) -> date:
    """The latest quarterly settlement date (the 20th of Mar/Jun/Sep/Dec) not after d."""
    for year in (d.year, d.year - 1):
        for month in reversed(SETTLE_MONTHS):
            s = date(year, month, SETTLE_DAY)
            if s <= d:
                return s
    raise AssertionError("unreachable")


def settle_dates_between(first: date, last: date) -> list[date]:
    """The quarterly settlement dates d with first <= d <= last, oldest first."""
    dates, d = [], settle_date_on_or_before(last)
    while d >= first:
        dates.append(d)
        d = settle_date_on_or_before(d - timedelta(days=1))
    return dates[::-1]


def settle_date_due(today: date) -> date:
    """The settlement date the periodic job may settle on `today`: the latest one already
    over (a settlement day's own interest is only known when its counter business ends)."""
    return settle_date_on_or_before(today - timedelta(days=1))


def interest_payable_on(settle: date) -> date:
    """付息日: interest settled for the quarter ending on `settle` is payable the next day,
    when the job has settled it; unpaid, it is overdue (at least 关注) from the day after.
    Interest settled at the counter is payable at once (the borrower is there)."""
    return settle + timedelta(days=1)


@dataclass
class Products:
    normal: Decimal
    penalty: Decimal


def accrue(
    *,
    principal: Decimal,
    interest_due: Decimal,
    due_date: date,
    start: date,
    end: date,
    normal: Decimal = ZERO,
    penalty: Decimal = ZERO,
) -> Products:
    """Add the days [start, end) to the products."""
    days = max(0, (end - start).days)
    normal_days = max(0, (min(end, due_date) - start).days)
    overdue_days = max(0, (end - max(start, due_date)).days)
    return Products(
        normal=normal + principal * normal_days,
        penalty=penalty + principal * overdue_days + interest_due * days,
    )


def interest_of(product: Decimal, annual_rate: Decimal) -> Decimal:
    """Money for a product at an annual rate, rounded to the fen (the only rounding)."""
    return to_fen(Decimal(product) * Decimal(annual_rate) / DAYS_IN_YEAR)


def loan_accrue_to(loan, end: date) -> None:
    """Bring a loan's products up to `end` (exclusive), in memory."""
    if end <= loan.accrued_through:
        return
    p = accrue(
        principal=loan.principal,
        interest_due=loan.interest_due,
        due_date=loan.due_date,
        start=loan.accrued_through,
        end=end,
        normal=loan.normal_product,
        penalty=loan.penalty_product,
    )
    loan.normal_product, loan.penalty_product = p.normal, p.penalty
    loan.accrued_through = end


def loan_settle(loan, on: date) -> tuple[Decimal, Decimal]:
    """Turn the products into interest and penalty due (in memory); returns what was added."""
    interest = interest_of(loan.normal_product, loan.annual_rate)
    penalty = interest_of(loan.penalty_product, loan.penalty_rate)
    if interest > 0 and loan.interest_due == 0:
        loan.interest_due_since = on
    loan.interest_due += interest
    loan.penalty_due += penalty
    loan.normal_product = ZERO
    loan.penalty_product = ZERO
    loan.last_settled_on = on
    loan.last_settled_interest = interest
    loan.last_settled_penalty = penalty
    return interest, penalty


def days_overdue(loan, today: date) -> int:
    """Days since the earliest unpaid amount fell due (0 when nothing is overdue)."""
    starts = []
    if loan.principal > 0:
        starts.append(loan.due_date)
    if loan.interest_due > 0 and loan.interest_due_since:
        starts.append(loan.interest_due_since)
    if not starts:
        return 0
    return max(0, (today - min(starts)).days)


# The quarterly settlement of every open loan not yet settled through %(settle)s, in one
# statement: accrue [accrued_through, settle + 1 day) then settle; the interest is payable
# from %(payable)s (`interest_payable_on`). Safe to run twice: a settled loan has
# accrued_through > settle and is not selected again. A loan drawn on the settlement day
# (accrued_through = settle) is billed that day in this quarter (算头不算尾: one day). A loan
# whose interest the counter settled on the settlement day itself (a repayment that day,
# last_settled_on = settle) is not selected: its settlement-day interest runs on into the
# next quarter.
SETTLE_SQL = """
WITH upd AS (
    UPDATE loans_loan SET
        last_settled_interest = ROUND(
            (normal_product
             + principal * GREATEST(0, LEAST(%(end)s::date, due_date) - accrued_through))
            * annual_rate / 360, 2),
        last_settled_penalty = ROUND(
            (penalty_product
             + principal * GREATEST(0, %(end)s::date - GREATEST(accrued_through, due_date))
             + interest_due * (%(end)s::date - accrued_through))
            * penalty_rate / 360, 2),
        interest_due = interest_due + ROUND(
            (normal_product
             + principal * GREATEST(0, LEAST(%(end)s::date, due_date) - accrued_through))
            * annual_rate / 360, 2),
        penalty_due = penalty_due + ROUND(
            (penalty_product
             + principal * GREATEST(0, %(end)s::date - GREATEST(accrued_through, due_date))
             + interest_due * (%(end)s::date - accrued_through))
            * penalty_rate / 360, 2),
        interest_due_since = CASE
            WHEN interest_due = 0 AND ROUND(
                (normal_product
                 + principal * GREATEST(0, LEAST(%(end)s::date, due_date) - accrued_through))
                * annual_rate / 360, 2) > 0
            THEN %(payable)s::date ELSE interest_due_since END,
        normal_product = 0,
        penalty_product = 0,
        accrued_through = %(end)s::date,
        last_settled_on = %(settle)s::date,
        revision = revision + 1
    WHERE status = 'open' AND accrued_through <= %(settle)s::date
      AND last_settled_on IS DISTINCT FROM %(settle)s::date
    RETURNING last_settled_interest, last_settled_penalty
)
SELECT count(*), COALESCE(sum(last_settled_interest), 0), COALESCE(sum(last_settled_penalty), 0)
FROM upd
"""


def settle_params(settle: date) -> dict:
    return {
        "settle": settle,
        "end": settle + timedelta(days=1),
        "payable": interest_payable_on(settle),
    }
