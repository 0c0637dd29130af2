"""The lending monthly figures (docs/rules.md §8): credit lines, loans by five-level class,
drawdowns, repayments and class migration, per village."""

from creditcoop.reporting.figures import figure_rows, stock_day

from .models import ClassChange, CreditContract, Loan, Repayment

CONTRACT = CreditContract._meta.db_table
LOAN = Loan._meta.db_table

LINE_ROWS = figure_rows(
    [
        "'households_credit', '', c.n",
        "'line_total', '', c.line",
        "'line_used', '', c.used",
    ]
)
CLASS_ROWS = figure_rows(
    ["'class_count', g.risk_class::text, g.n", "'class_balance', g.risk_class::text, g.balance"]
)
DRAWN_ROWS = figure_rows(["'drawdowns_count', '', d.n", "'drawdowns_amount', '', d.amount"])
REPAID_ROWS = figure_rows(
    [
        "'repayments_count', '', p.n",
        "'repayments_amount', '', p.amount",
        "'repayments_principal', '', p.principal",
    ]
)
MOVE_ROWS = figure_rows(
    ["'migration_count', m.move, m.n", "'migration_balance', m.move, m.balance"]
)


def line_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """households_credit, line_total, line_used (stock): active contracts whose term has not
    ended on the stock day (one per household), their lines and their loans' outstanding
    principal (the contract's balance)."""
    sql = f"""
        SELECT c.cooperative_id, c.village_id, f.metric, f.key, f.value
        FROM (SELECT cooperative_id, village_id, count(*) AS n, sum(line) AS line,
                     sum(outstanding) AS used
              FROM {CONTRACT} WHERE status = 'active' AND end_date >= %s
              GROUP BY cooperative_id, village_id) c
        {LINE_ROWS}
    """  # noqa: S608
    return sql, [stock_day(month_end=month_end, today=today)]


def loan_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """class_count / class_balance by class (stock: open loans, principal outstanding) and
    drawdowns_count / drawdowns_amount (flow: drawn in the month): one scan of the loans."""
    sql = f"""
        WITH g AS (
            SELECT c.cooperative_id, c.village_id, l.risk_class,
                   count(*) FILTER (WHERE l.status = 'open') AS n,
                   sum(l.principal) FILTER (WHERE l.status = 'open') AS balance,
                   count(*) FILTER (WHERE l.drawn_on BETWEEN %s AND %s) AS drawn,
                   sum(l.amount) FILTER (WHERE l.drawn_on BETWEEN %s AND %s) AS drawn_amount
            FROM {LOAN} l JOIN {CONTRACT} c ON c.id = l.contract_id
            WHERE l.status = 'open' OR l.drawn_on BETWEEN %s AND %s
            GROUP BY c.cooperative_id, c.village_id, l.risk_class
        )
        SELECT g.cooperative_id, g.village_id, f.metric, f.key, f.value FROM g
        {CLASS_ROWS}
        UNION ALL
        SELECT d.cooperative_id, d.village_id, f.metric, f.key, f.value
        FROM (SELECT cooperative_id, village_id, sum(drawn) AS n, sum(drawn_amount) AS amount
              FROM g GROUP BY cooperative_id, village_id) d
        {DRAWN_ROWS}
    """  # noqa: S608
    return sql, [month_start, month_end] * 3


def repayment_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """repayments_count / _amount / _principal (flow): repayments paid in the month and not
    reversed."""
    sql = f"""
        SELECT p.cooperative_id, p.village_id, f.metric, f.key, f.value
        FROM (SELECT c.cooperative_id, c.village_id, count(*) AS n, sum(r.amount) AS amount,
                     sum(r.to_principal) AS principal
              FROM {Repayment._meta.db_table} r
              JOIN {LOAN} l ON l.id = r.loan_id
              JOIN {CONTRACT} c ON c.id = l.contract_id
              WHERE r.paid_on BETWEEN %s AND %s AND r.reversed_at IS NULL
              GROUP BY c.cooperative_id, c.village_id) p
        {REPAID_ROWS}
    """  # noqa: S608
    return sql, [month_start, month_end]


def migration_figures(*, month_start, month_end, today) -> tuple[str, list]:
    """migration_count / migration_balance by "<from>-<to>" (flow): loans whose class changed
    in the month, from the class before its first change to the class after its last one;
    a loan back where it started is not counted. The balance is the loan's principal."""
    sql = f"""
        SELECT m.cooperative_id, m.village_id, f.metric, f.key, f.value
        FROM (SELECT c.cooperative_id, c.village_id, x.from_class || '-' || x.to_class AS move,
                     count(*) AS n, sum(l.principal) AS balance
              FROM (SELECT loan_id,
                           (array_agg(from_class ORDER BY changed_on, id))[1] AS from_class,
                           (array_agg(to_class ORDER BY changed_on DESC, id DESC))[1] AS to_class
                    FROM {ClassChange._meta.db_table}
                    WHERE changed_on BETWEEN %s AND %s
                    GROUP BY loan_id) x
              JOIN {LOAN} l ON l.id = x.loan_id
              JOIN {CONTRACT} c ON c.id = l.contract_id
              WHERE x.from_class <> x.to_class
              GROUP BY c.cooperative_id, c.village_id, x.from_class, x.to_class) m
        {MOVE_ROWS}
    """  # noqa: S608
    return sql, [month_start, month_end]
