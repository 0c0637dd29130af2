"""The lending stage's ledgers exported through the job and read back with openpyxl."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from creditcoop.errors import DomainError
from creditcoop.models import ExportJob
from creditcoop.reporting.tests.helpers import (
    INJECTIONS,
    assert_never_formulas,
    body_and_totals,
    export_sheet,
    layout,
)
from loans import services
from loans.models import CounterRefusal, Loan, RiskClass
from loans.tests import factories as lf
from villages.models import Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org):
    """Two borrowers of cooperative A: one in 张庄村 with two loans, one in 李屯村."""
    a1 = lf.contract(org)
    a2 = lf.contract(org, group=org.group_a2)
    loans = [lf.draw(org, a1, "3000"), lf.draw(org, a1, "2000.50"), lf.draw(org, a2, "7000")]
    Loan.objects.filter(pk=loans[2].pk).update(risk_class=RiskClass.WATCH)
    return a1, a2, loans


def _names(contracts, names):
    for contract, name in zip(contracts, names, strict=False):
        Member.objects.filter(pk=contract.borrower_id).update(name=name)


def test_loan_ledger_one_typed_row_per_loan_with_totals(org, book):
    a1, a2, loans = book
    job, ws = export_sheet(org.director, "loans.loans")
    header, body, totals = body_and_totals(
        layout(ws, title="贷款台账", who=org.director, scope=org.coop_a.name)
    )
    assert len(header) == 14 and header[3] == "身份证号码" and header[6] == "借款金额（元）"
    assert job.rows_total == job.rows_done == 3 == len(body)
    by_number = {r[5]: r for r in body}
    row = by_number[loans[1].number]
    assert row[:6] == (
        org.coop_a.name,
        org.village_a1.name,
        a1.borrower.name,
        a1.borrower.id_number,
        a1.number,
        loans[1].number,
    )
    assert row[6] == 2000.5 and row[7] == 2000.5
    assert row[8] == datetime.combine(loans[1].drawn_on, datetime.min.time())
    assert row[9] == datetime.combine(loans[1].due_date, datetime.min.time())
    assert Decimal(str(row[10])) == loans[1].annual_rate
    assert row[11:] == ("正常", "未结清", org.officer1.name)
    assert by_number[loans[2].number][11] == "关注"
    assert by_number[loans[2].number][1] == org.village_a2.name
    assert totals[0] == "合计（3 行）" and totals[6] == totals[7] == 12000.5
    # ID numbers stay text (all 18 characters), amounts are numbers, dates are dates
    id_cell = ws.cell(row=3, column=4)
    assert id_cell.data_type == "s" and len(id_cell.value) == 18
    assert ws.cell(row=3, column=7).data_type == "n"
    assert ws.cell(row=3, column=9).is_date and ws.cell(row=3, column=11).number_format == "0.00%"


def test_loan_ledger_filters_village_and_class(org, book):
    _a1, _a2, loans = book
    _job, ws = export_sheet(
        org.director, "loans.loans", {"village": org.village_a2.pk, "risk_class": "1"}
    )
    header, body, _totals = body_and_totals(
        layout(ws, title="贷款台账", who=org.director, scope=org.village_a2.name)
    )
    assert [r[5] for r in body] == [loans[2].number]
    # an officer sees their own villages only
    _job, ws = export_sheet(org.officer1, "loans.loans")
    _h, body, _t = body_and_totals(list(ws.iter_rows(values_only=True))[1:])
    assert {r[1] for r in body} == {org.village_a1.name}


def test_loan_ledger_never_starts_a_formula(org):
    contracts = [lf.contract(org) for _ in INJECTIONS]
    for c in contracts:
        lf.draw(org, c, "100")
    _names(contracts, INJECTIONS)
    _job, ws = export_sheet(org.director, "loans.loans")
    assert_never_formulas(ws)


def test_loan_ledger_refused_outside_the_scope_and_to_the_committee(org, book):
    with pytest.raises(DomainError) as refused:
        from creditcoop.reporting import services as exports

        exports.export_start(
            user=org.officer1, ledger_code="loans.loans", data={"cooperative": org.coop_b.pk}
        )
    assert "不在您的查看范围内" in refused.value.errors["cooperative"][0]
    with pytest.raises(DomainError):
        exports.export_start(
            user=org.director, ledger_code="loans.loans", data={"village": org.village_b1.pk}
        )
    with pytest.raises(DomainError, match="您不能导出该台账"):
        exports.export_start(user=org.committee, ledger_code="loans.loans", data={})
    assert not ExportJob.objects.exists()


def test_contract_ledger_with_certificates(org, book):
    a1, a2, _loans = book
    _names([a2], ["@SUM(A1)"])
    _job, ws = export_sheet(org.director, "loans.contracts")
    header, body, totals = body_and_totals(
        layout(ws, title="授信合同及贷款证台账", who=org.director)
    )
    assert header[14] == "贷款证编号"
    row = {r[4]: r for r in body}[a1.number]
    assert row[2] == a1.borrower.name and row[3] == a1.borrower.id_number
    assert row[6] == float(a1.line) and row[7] == 5000.5
    assert row[11] == a1.get_guarantee_type_display() and row[13] == "有效"
    assert row[14] == a1.certificate.number and row[15] == "有效"
    assert totals[6] == float(a1.line + a2.line) and totals[7] == 12000.5
    assert_never_formulas(ws, ["@SUM(A1)"])


def test_repayment_ledger_shows_reversals(org, book):
    a1, _a2, loans = book
    kept = lf.repay(org, loans[0], "1000")
    reversed_one = lf.repay(org, loans[2], "500")
    services.repayment_reverse(
        repayment=reversed_one, actor=org.teller, reason="金额录错", authoriser=org.director
    )
    _names([a1], ["-1"])
    _job, ws = export_sheet(org.auditor, "loans.repayments")
    header, body, totals = body_and_totals(
        layout(ws, title="还款台账", who=org.auditor, scope="全联社")
    )
    by_receipt = {r[5]: r for r in body}
    assert set(by_receipt) == {kept.receipt_number, reversed_one.receipt_number}
    row = by_receipt[kept.receipt_number]
    assert row[2] == "-1" and row[4] == loans[0].number and row[7] == 1000
    assert row[8] == float(kept.to_principal) and row[12] == org.teller.name and row[13] is None
    gone = by_receipt[reversed_one.receipt_number]
    assert gone[13] == "已冲正" and gone[15] == "金额录错" and isinstance(gone[14], datetime)
    assert totals[7] == 1500
    assert_never_formulas(ws, ["-1"])
    _job, ws = export_sheet(org.auditor, "loans.repayments", {"reversed": "exclude"})
    _h, body, totals = body_and_totals(list(ws.iter_rows(values_only=True))[1:])
    assert [r[5] for r in body] == [kept.receipt_number] and totals[7] == 1000


def test_refusal_ledger(org, book):
    a1, _a2, _loans = book
    CounterRefusal.objects.create(
        cooperative=org.coop_a,
        contract=a1,
        certificate_number=a1.certificate.number,
        id_number_masked="110101********0011",
        amount=Decimal("90000"),
        reason=CounterRefusal.Reason.OVER_LIMIT,
        message="+1",
        teller=org.teller,
    )
    CounterRefusal.objects.create(
        cooperative=org.coop_b,
        certificate_number="DKZB",
        reason=CounterRefusal.Reason.OTHER,
        message="乙社",
        teller=org.teller,
    )
    _job, ws = export_sheet(org.director, "loans.refusals")
    header, body, totals = body_and_totals(layout(ws, title="柜面拒绝台账", who=org.director))
    assert len(body) == 1
    at, coop, village, name, cert, idno, amount, reason, message, teller = body[0]
    assert isinstance(at, datetime) and at.date() == timezone.localdate()
    assert (coop, village, name, cert, idno) == (
        org.coop_a.name,
        org.village_a1.name,
        a1.borrower.name,
        a1.certificate.number,
        "110101********0011",
    )
    assert (amount, reason, message, teller) == (90000, "超过可用额度", "+1", org.teller.name)
    assert totals[6] == 90000
    assert_never_formulas(ws, ["+1"])
    with pytest.raises(DomainError):
        from creditcoop.reporting import services as exports

        exports.export_start(user=org.officer1, ledger_code="loans.refusals", data={})
