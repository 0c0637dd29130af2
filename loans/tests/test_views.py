"""Pages: scope (404 outside), roles (403), auditor reads but never writes, the counter."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creditcoop.models import Notification
from loans.models import CounterRefusal, Loan, Repayment
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(org):
    return lf.contract(org)


def _draw_post(contract, **over):
    data = {
        "certificate_number": contract.certificate.number,
        "id_number": contract.borrower.id_number,
        "seal_checked": "on",
        "amount": "5000",
        "due_date": (timezone.localdate() + timedelta(days=180)).isoformat(),
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def test_counter_disburses_and_double_submit_is_one_loan(org, login, contract):
    client = login(org.teller)
    assert client.get(reverse("loans:counter")).status_code == 200
    data = _draw_post(contract)
    r1 = client.post(reverse("loans:counter"), data)
    r2 = client.post(reverse("loans:counter"), data)
    loan = Loan.objects.get()
    assert r1.status_code == r2.status_code == 302
    assert r1.url == r2.url == reverse("loans:loan_detail", args=[loan.pk])
    contract.refresh_from_db()
    assert contract.outstanding == Decimal("5000.00")


def test_counter_shows_the_refusal_reason_and_keeps_what_was_typed(org, login, contract):
    client = login(org.teller)
    r = client.post(reverse("loans:counter"), _draw_post(contract, amount="20000.01"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "拒绝放款" in html and "超过可用额度" in html and "已记录并报告主任" in html
    assert 'value="20000.01"' in html
    assert CounterRefusal.objects.get().reason == "over_limit"
    assert Notification.objects.filter(
        recipient=org.director, text__contains="超过可用额度"
    ).exists()
    # the director sees it on the refusal list
    page = login(org.director).get(reverse("loans:refusal_list") + "?reason=over_limit")
    assert "超过可用额度" in page.content.decode()


def test_only_tellers_use_the_counter(org, login, contract):
    for user in (org.officer1, org.director):
        assert login(user).get(reverse("loans:counter")).status_code == 403
    assert (
        login(org.auditor).post(reverse("loans:counter"), _draw_post(contract)).status_code == 403
    )
    assert Loan.objects.count() == 0


def test_repay_receipt_and_reverse_through_pages(org, login, contract):
    loan = lf.draw(org, contract, "3000")
    client = login(org.teller)
    page = client.get(reverse("loans:loan_detail", args=[loan.pk]))
    assert "收款" in page.content.decode()
    key = str(uuid.uuid4())
    url = reverse("loans:loan_repay", args=[loan.pk])
    r = client.post(url, {"amount": "1000", "idempotency_key": key})
    client.post(url, {"amount": "1000", "idempotency_key": key})
    repayment = Repayment.objects.get()
    assert r.url == reverse("loans:receipt_print", args=[repayment.pk])
    receipt = client.get(r.url).content.decode()
    assert repayment.receipt_number in receipt and "1000.00" in receipt
    assert (
        login(org.auditor)
        .post(reverse("loans:receipt_reverse", args=[repayment.pk]), {"reason": "录错"})
        .status_code
        == 403
    )
    client = login(org.teller)
    # Alone, or with a wrong password, the teller cannot reverse her own receipt.
    client.post(reverse("loans:receipt_reverse", args=[repayment.pk]), {"reason": "金额录错"})
    wrong = {"reason": "金额录错", "authoriser": org.director.username, "authoriser_password": "x"}
    page = client.post(
        reverse("loans:receipt_reverse", args=[repayment.pk]), wrong, follow=True
    ).content.decode()
    assert "授权人工号或密码不正确" in page
    repayment.refresh_from_db()
    assert not repayment.is_reversed
    client.post(
        reverse("loans:receipt_reverse", args=[repayment.pk]),
        {**wrong, "authoriser_password": "pass-1234"},
    )
    repayment.refresh_from_db()
    assert repayment.is_reversed and repayment.reversal_authorised_by == org.director
    assert "已冲正作废" in client.get(r.url).content.decode()


def test_out_of_scope_is_404(org, login, contract):
    loan = lf.draw(org, contract, "1000")
    repayment = lf.repay(org, loan, "100")
    urls = [
        reverse("loans:contract_detail", args=[contract.pk]),
        reverse("loans:certificate_print", args=[contract.certificate.pk]),
        reverse("loans:loan_detail", args=[loan.pk]),
        reverse("loans:receipt_print", args=[repayment.pk]),
        reverse("loans:incentive_statement", args=[org.village_a1.pk]),
    ]
    for user in (org.officer_b, org.director_b, org.officer2):
        client = login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    for user in (org.officer1, org.director, org.teller, org.auditor):
        client = login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)


def test_certificate_page_shows_grade_and_line(org, login, contract):
    html = (
        login(org.officer1)
        .get(reverse("loans:certificate_print", args=[contract.certificate.pk]))
        .content.decode()
    )
    assert contract.certificate.number in html and contract.grade in html
    assert str(contract.line) in html and "不得转让" in html


def test_village_grant_page_and_post(org, login):
    app = lf.passed_application(org)
    client = login(org.officer1)
    url = reverse("loans:grant_village", args=[org.village_a1.pk])
    page = client.get(url).content.decode()
    assert app.applicant.name in page and "公示期满，可授信" in page
    r = client.post(
        url,
        {
            "signed_on": timezone.localdate().isoformat(),
            "officer": org.officer1.pk,
            "rate_kind": "lpr",
            "lpr_rate_pct": "3.10",
            "basis_points": "125",
            f"a{app.pk}-present": "on",
            f"a{app.pk}-guarantee_type": "credit",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert r.status_code == 302
    batch_page = client.get(r.url).content.decode()
    assert "授信 1 户" in batch_page
    assert login(org.officer2).get(url).status_code == 404
    assert login(org.teller).get(url).status_code == 403
    assert login(org.auditor).post(url, {}).status_code == 403


def test_classify_worse_through_page(org, login, contract):
    loan = lf.draw(org, contract, "1000")
    client = login(org.officer1)
    client.post(
        reverse("loans:loan_classify", args=[loan.pk]),
        {"to_class": "2", "reason": "借款人经营严重亏损"},
    )
    loan.refresh_from_db()
    assert loan.risk_class == 2
    assert (
        login(org.teller)
        .post(reverse("loans:loan_classify", args=[loan.pk]), {"to_class": "4", "reason": "xxxx"})
        .status_code
        == 403
    )


def test_ledger_filters_and_streams_excel(org, login, contract, django_assert_max_num_queries):
    lf.draw(org, contract, "2500")
    other = lf.contract(org)
    client = login(org.director)
    url = reverse("loans:ledger")
    with django_assert_max_num_queries(12):
        page = client.get(url, {"village": org.village_a1.pk}).content.decode()
    assert "分村清册" in page and contract.borrower.name in page and other.borrower.name in page
    page = client.get(url, {"q": contract.borrower.name}).content.decode()
    assert contract.certificate.number in page
    # per officer; officer_b sees nothing of cooperative A
    page = client.get(url, {"officer": org.officer1.pk}).content.decode()
    assert "郑信贷信贷员贷款清册" in page
    assert contract.borrower.name not in login(org.officer_b).get(url).content.decode()
    assert login(org.auditor).get(url).status_code == 200


def test_incentive_statement_totals(org, login):
    lf.contract(org)
    lf.contract(org)
    html = (
        login(org.director)
        .get(reverse("loans:incentive_statement", args=[org.village_a1.pk]))
        .content.decode()
    )
    assert 'id="committee-total">12.00' in html and 'id="assistant-total">10.00' in html


def test_incentive_statement_is_reached_from_the_loans_tabs(org, login):
    lf.contract(org)
    lf.contract(org)
    client = login(org.director)
    index = reverse("loans:incentive_villages")
    for page in ("loans:ledger", "loans:contract_list"):
        html = client.get(reverse(page)).content.decode()
        assert f'href="{index}">评审小组业务费</a>' in html
    html = client.get(index).content.decode()
    statement = reverse("loans:incentive_statement", args=[org.village_a1.pk])
    row = html.split(str(org.village_a1), 1)[1].split("</tr>", 1)[0]
    assert ">2<" in row and "12.00" in row and "10.00" in row and statement in row
    assert str(org.village_b1) not in html  # another cooperative's village
    html = client.get(statement).content.decode()
    assert f'nav-link active" href="{index}"' in html
    assert str(org.village_a1) not in login(org.officer_b).get(index).content.decode()


def test_lists_render(org, login, contract):
    client = login(org.director)
    for name in ("loans:contract_list", "loans:grant_villages", "loans:refusal_list"):
        assert client.get(reverse(name)).status_code == 200
    html = client.get(reverse("loans:contract_list"), {"q": contract.number}).content.decode()
    assert contract.number in html
    # An ID number typed with full-width digits finds the contract and its ledger row.
    full = contract.borrower.id_number.translate(
        str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    )
    html = client.get(reverse("loans:contract_list"), {"q": full}).content.decode()
    assert contract.number in html
    detail = reverse("loans:contract_detail", args=[contract.pk])
    assert detail in client.get(reverse("loans:ledger"), {"q": full}).content.decode()
    assert detail not in client.get(reverse("loans:ledger"), {"q": "９" * 18}).content.decode()


def test_household_page_shows_contract_certificate_and_open_loans(org, login, contract):
    loan = lf.draw(org, contract, "6000")
    page = login(org.officer1).get(
        reverse("villages:household_detail", args=[contract.household_id])
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'id="household-loans"' in html
    assert contract.number in html and contract.certificate.number in html
    assert reverse("loans:contract_detail", args=[contract.pk]) in html
    # line, balance and what is still available
    line = contract.line
    assert f"{line:.2f}" in html and "6000.00" in html and f"{line - 6000:.2f}" in html
    assert loan.number in html and reverse("loans:loan_detail", args=[loan.pk]) in html


def test_committee_member_reads_no_books(org, login, contract):
    """A village committee member sees the household but not its contracts and balances."""
    client = login(org.committee)
    page = client.get(reverse("villages:household_detail", args=[contract.household_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="household-loans"' not in html and contract.number not in html
    for url in (
        reverse("loans:contract_detail", args=[contract.pk]),
        reverse("loans:contract_list"),
        reverse("loans:ledger") + f"?village={contract.village_id}",
        reverse("loans:certificate_print", args=[contract.certificate.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_counter_takes_id_number_and_amount_typed_in_full_width(org, login, contract):
    full = str.maketrans("0123456789X.", "０１２３４５６７８９Ｘ．")
    data = _draw_post(
        contract,
        id_number=contract.borrower.id_number.translate(full),
        amount="5000.50".translate(full),
    )
    r = login(org.teller).post(reverse("loans:counter"), data)
    assert r.status_code == 302
    loan = Loan.objects.get()
    assert loan.principal == Decimal("5000.50")
    assert not CounterRefusal.objects.exists()


def test_paper_shows_amounts_in_capital_numerals_and_rates_as_percentages(org, login, contract):
    """Receipts, the IOU signed at drawdown, contracts and certificates write amounts also
    in 大写; rates read as percentages, never "0.061200"."""
    client = login(org.teller)
    r = client.post(reverse("loans:counter"), _draw_post(contract, amount="5000"))
    loan = Loan.objects.get()
    detail = client.get(r.url).content.decode()
    iou_url = reverse("loans:iou_print", args=[loan.pk])
    assert iou_url in detail and "伍仟元整" in detail
    rate = f"{(loan.annual_rate * 100).normalize():f}%"
    assert rate in detail and str(loan.annual_rate) not in detail
    iou = client.get(iou_url).content.decode()
    assert "人民币伍仟元整" in iou and loan.number in iou and "借款人签字" in iou
    assert rate in iou and str(loan.annual_rate) not in iou
    repayment = lf.repay(org, loan, "1234.05")
    receipt = client.get(reverse("loans:receipt_print", args=[repayment.pk])).content.decode()
    assert "壹仟贰佰叁拾肆元零伍分" in receipt
    capital_line = "贰万元整" if contract.line == Decimal("20000") else None
    assert capital_line, contract.line
    for url in (
        reverse("loans:contract_detail", args=[contract.pk]),
        reverse("loans:certificate_print", args=[contract.certificate.pk]),
    ):
        assert capital_line in client.get(url).content.decode(), url


def test_counter_shows_the_borrower_as_the_certificate_number_is_typed(org, login, contract):
    """Before 放款 the teller sees whose certificate it is: name, line, balance, available."""
    lf.draw(org, contract, "5000")
    client = login(org.teller)
    page = client.get(reverse("loans:counter")).content.decode()
    assert 'hx-get="/loans/counter/"' in page and 'hx-target="#borrower"' in page
    number = contract.certificate.number.lower()
    r = client.get(
        reverse("loans:counter"), {"certificate_number": f" {number} "}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert "<html" not in html
    assert contract.borrower.name in html
    for amount in ("20000.00", "5000.00", "15000.00"):
        assert amount in html, amount
    r = client.get(
        reverse("loans:counter"), {"certificate_number": "DKZ-NONE"}, HTTP_HX_REQUEST="true"
    )
    assert "未找到该贷款证" in r.content.decode()


def test_counter_sends_an_unticked_seal_back_without_reporting_it(org, login, contract):
    client = login(org.teller)
    r = client.post(reverse("loans:counter"), _draw_post(contract, seal_checked=""))
    html = r.content.decode()
    assert r.status_code == 200 and "印章" in html
    assert "已记录并报告主任" not in html
    assert not CounterRefusal.objects.exists()
    assert not Notification.objects.filter(recipient=org.director).exists()
    assert contract.borrower.name in html  # the borrower is still shown
