"""Reconciliation (docs/rules.md §6.6): the archive's balance against the ledger and the
accounting sheet."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from archives.models import AccountingImport, ArchiveFile
from archives.services import reconcile
from archives.services._common import ArchiveError
from archives.tests import factories_control as fc
from creditcoop.models import AuditLog
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db
DRAWN = date(2027, 7, 1)


def _file(org, drawn="5000", recorded="0", **fields):
    file = fc.loan_file(org, **fields)
    if drawn:
        lf.draw(org, file.contract, drawn, today=DRAWN, due_date=date(2027, 12, 1))
    ArchiveFile.objects.filter(pk=file.pk).update(recorded_balance=Decimal(recorded))
    file.refresh_from_db()
    return file


def _sheet(rows, header=("合同编号", "余额")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("会计余额.xlsx", buf.getvalue())


def _import(org, rows, as_of=date(2027, 7, 31)):
    return reconcile.accounting_import(
        actor=org.archivist, cooperative=org.coop_a, as_of=as_of, upload=_sheet(rows)
    )


def _by_pk(qs):
    return {f.pk: f for f in qs}


def test_a_file_differing_from_the_ledger_is_listed_with_its_officer(org):
    differs = _file(org, recorded="4000")
    agrees = _file(org, recorded="5000")
    rows = _by_pk(reconcile.reconciliation_rows([org.coop_a.pk]))
    assert set(rows) == {differs.pk}
    row = rows[differs.pk]
    assert (row.ledger, row.ledger_diff, row.officer) == (
        Decimal("5000.00"),
        Decimal("-1000.00"),
        org.officer1,
    )
    assert row.import_id is None and agrees.pk not in rows


def test_the_accounting_sheet_adds_its_differences_and_missing_rows(org):
    wrong = _file(org, recorded="5000")
    missing = _file(org, recorded="5000")
    right = _file(org, recorded="5000")
    settled = _file(org, drawn=None, recorded="0")  # nothing owed: not on the sheet, fine
    _import(org, [(wrong.contract_number, "4500"), (right.contract_number, 5000)])
    rows = _by_pk(reconcile.reconciliation_rows([org.coop_a.pk]))
    assert set(rows) == {wrong.pk, missing.pk}
    assert (rows[wrong.pk].accounting, rows[wrong.pk].accounting_diff) == (
        Decimal("4500.00"),
        Decimal("500.00"),
    )
    assert rows[missing.pk].accounting is None
    assert rows[missing.pk].accounting_diff == Decimal("5000.00")
    assert settled.pk not in rows


def test_only_the_latest_sheet_counts(org):
    file = _file(org, recorded="5000")
    _import(org, [(file.contract_number, "1")], as_of=date(2027, 6, 30))
    _import(org, [(file.contract_number, "5000")], as_of=date(2027, 7, 31))
    assert not reconcile.reconciliation_rows([org.coop_a.pk]).exists()


def test_summaries_per_cooperative_and_officer_match_the_rows(org):
    a = _file(org, recorded="4000")  # ledger −1000
    b = _file(org, recorded="7000")  # ledger +2000
    other = fc.loan_file(org)
    ArchiveFile.objects.filter(pk=other.pk).update(officer=org.officer2, recorded_balance=10)
    _import(org, [(a.contract_number, "4000"), (b.contract_number, "5000")])
    rows = list(reconcile.reconciliation_rows([org.coop_a.pk]))
    assert {r.pk for r in rows} == {a.pk, b.pk, other.pk}
    [coop] = reconcile.reconciliation_summary(
        reconcile.reconciliation_rows([org.coop_a.pk]), "cooperative"
    )
    assert coop["cooperative__name"] == org.coop_a.name
    assert coop["files"] == len(rows) == 3
    assert coop["ledger_count"] == sum(1 for r in rows if r.ledger_diff) == 3
    assert coop["ledger_total"] == sum(abs(r.ledger_diff) for r in rows) == Decimal("3010.00")
    # a agrees with accounting; b differs by 2000; other is missing from the sheet (10.00).
    assert coop["accounting_count"] == 2
    assert coop["accounting_total"] == Decimal("2010.00")
    officers = {
        s["officer__name"]: s
        for s in reconcile.reconciliation_summary(
            reconcile.reconciliation_rows([org.coop_a.pk]), "officer"
        )
    }
    assert officers[org.officer1.name]["files"] == 2
    assert officers[org.officer2.name]["ledger_total"] == Decimal("10.00")


def test_the_officer_records_the_balance_and_the_difference_goes(org):
    file = _file(org, recorded="0")
    with pytest.raises(ArchiveError, match="主办信贷员"):
        reconcile.balance_record(file=file, actor=org.officer2, balance="5000")
    with pytest.raises(ArchiveError, match="负数"):
        reconcile.balance_record(file=file, actor=org.officer1, balance="-1")
    reconcile.balance_record(file=file, actor=org.officer1, balance="5,000.00")
    assert not reconcile.reconciliation_rows([org.coop_a.pk]).exists()
    audit = AuditLog.objects.get(action="archives.balance_record")
    assert audit.changes == {"recorded_balance": ["0.00", "5000.00"]}


def test_an_import_with_bad_rows_saves_nothing_and_names_each_row(org):
    with pytest.raises(ArchiveError) as e:
        _import(org, [("HT001", "abc"), ("HT002", "-5"), ("HT001", "1"), ("", "3")])
    rows = e.value.errors["rows"]
    assert rows[0].startswith("第 2 行") and "abc" in rows[0]
    assert rows[1].startswith("第 3 行") and "-5" in rows[1]
    assert "与第 2 行重复" in rows[2]
    assert "合同编号未填写" in rows[3]
    assert not AccountingImport.objects.exists()
    assert not AuditLog.objects.filter(action="archives.accounting_import").exists()


def test_a_file_that_is_not_excel_is_refused_in_chinese(org):
    with pytest.raises(ArchiveError, match="不是 Excel"):
        reconcile.accounting_import(
            actor=org.archivist,
            cooperative=org.coop_a,
            as_of=date(2027, 7, 31),
            upload=SimpleUploadedFile("balances.xlsx", b"contract,balance\nHT1,5\n"),
        )
    with pytest.raises(ArchiveError, match="合同编号.*余额"):
        reconcile.accounting_import(
            actor=org.archivist,
            cooperative=org.coop_a,
            as_of=date(2027, 7, 31),
            upload=_sheet([("HT1", 1)], header=("编号", "金额")),
        )
    with pytest.raises(ArchiveError, match="档案管理员"):
        _import_as(org.officer1, org)
    assert not AccountingImport.objects.exists()


def _import_as(actor, org):
    return reconcile.accounting_import(
        actor=actor, cooperative=org.coop_a, as_of=date(2027, 7, 31), upload=_sheet([("H", 1)])
    )


# --- pages ------------------------------------------------------------------------------------


def test_the_list_filters_by_officer_and_the_officer_sees_only_theirs(org, login):
    mine = _file(org, recorded="1")
    theirs = fc.loan_file(org)
    ArchiveFile.objects.filter(pk=theirs.pk).update(officer=org.officer2, recorded_balance=9)
    body = login(org.archivist).get(reverse("archives:reconcile")).content.decode()
    assert mine.contract_number in body and theirs.contract_number in body
    filtered = login(org.archivist).get(reverse("archives:reconcile"), {"officer": org.officer2.pk})
    assert theirs.contract_number in filtered.content.decode()
    assert mine.contract_number not in filtered.content.decode()
    # officer2 manages village A2: officer1's file of village A1 is not theirs.
    own = login(org.officer2).get(reverse("archives:reconcile")).content.decode()
    assert theirs.contract_number in own and mine.contract_number not in own


def test_the_balance_form_posts_through_the_service(org, login):
    file = _file(org, recorded="0")
    resp = login(org.officer1).post(
        reverse("archives:balance_record", args=[file.pk]), {"balance": "5000"}
    )
    assert resp.status_code == 302
    file.refresh_from_db()
    assert file.recorded_balance == Decimal("5000.00")


def test_the_monthly_report_has_a_summary_and_the_differences(org, login):
    file = _file(org, recorded="4000")
    resp = login(org.director).get(reverse("archives:reconcile_export"))
    book = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    assert book.sheetnames == ["按信用社汇总", "按信贷员汇总", "差异明细"]
    summary = [r for r in book["按信用社汇总"].iter_rows(values_only=True)]
    assert summary[2][:4] == (org.coop_a.name, 1, 1, 1000)
    detail = [r for r in book["差异明细"].iter_rows(values_only=True)]
    assert detail[2][2] == file.contract_number and detail[2][8] == -1000


def test_the_import_page_lists_row_errors_and_imports_a_clean_sheet(org, login):
    file = _file(org, recorded="5000")
    client = login(org.archivist)
    assert client.get(reverse("archives:accounting_import")).status_code == 200
    resp = client.post(
        reverse("archives:accounting_import"),
        {"as_of": "2027-07-31", "upload": _sheet([(file.contract_number, "五千")])},
    )
    assert "第 2 行" in resp.content.decode() and not AccountingImport.objects.exists()
    resp = client.post(
        reverse("archives:accounting_import"),
        {"as_of": "2027-07-31", "upload": SimpleUploadedFile("a.xlsx", b"not a workbook")},
    )
    assert "不是 Excel" in resp.content.decode()
    resp = client.post(
        reverse("archives:accounting_import"),
        {"as_of": "2027-07-31", "upload": _sheet([(file.contract_number, "4800")])},
    )
    assert resp.status_code == 302
    assert AccountingImport.objects.get().row_count == 1
    assert "4800.00" in client.get(reverse("archives:reconcile")).content.decode()


# --- the rows against expectations computed here ------------------------------------------


def _expected(files, sheets):
    """{file pk: (ledger diff, accounting balance or None, accounting diff or None)} for the
    files that should be listed; ``sheets`` maps a cooperative id to its latest sheet
    {contract number: balance} (a cooperative without a sheet: ledger only)."""
    out = {}
    for f in files:
        ledger = f.contract.outstanding
        sheet = sheets.get(f.cooperative_id)
        accounting = sheet.get(f.contract_number) if sheet is not None else None
        issue = sheet is not None and (
            (accounting is None and not (f.recorded_balance == 0 and ledger == 0))
            or (accounting is not None and accounting != f.recorded_balance)
        )
        if f.recorded_balance != ledger or issue:
            out[f.pk] = (
                f.recorded_balance - ledger,
                accounting,
                f.recorded_balance - (accounting or 0) if sheet is not None else None,
            )
    return out


def _listed(rows):
    return {
        r.pk: (r.ledger_diff, r.accounting, r.accounting_diff if r.import_id else None)
        for r in rows
    }


def test_rows_with_and_without_a_sheet_match_the_rules_file_by_file(org):
    agrees = _file(org, recorded="5000")
    ledger_only = _file(org, recorded="4000")  # also 4000 on the sheet: ledger difference only
    settled = _file(org, drawn=None, recorded="0")  # not on the sheet: fine
    settled_listed = _file(org, drawn=None, recorded="0")  # the sheet still shows 300
    missing = _file(org, recorded="5000")
    wrong = _file(org, recorded="5000")
    gone = fc.in_room(_file(org, recorded="1"), status="destroyed")  # never listed
    other = _file(org, recorded="5000")
    ArchiveFile.objects.filter(pk=other.pk).update(cooperative=org.coop_b)
    files = list(
        ArchiveFile.objects.filter(
            pk__in=[f.pk for f in (agrees, ledger_only, settled, settled_listed, missing, wrong)]
            + [other.pk]
        ).select_related("contract")
    )
    coops = [org.coop_a.pk, org.coop_b.pk]

    # No sheet anywhere: the ledger alone.
    before = _listed(reconcile.reconciliation_rows(coops))
    assert before == _expected(files, {}) == {ledger_only.pk: (Decimal("-1000.00"), None, None)}

    # Coop A's sheet (an older one first); coop B has none yet.
    _import(org, [(agrees.contract_number, "1")], as_of=date(2027, 6, 30))
    sheet_a = {
        agrees.contract_number: Decimal("5000.00"),
        ledger_only.contract_number: Decimal("4000.00"),
        settled_listed.contract_number: Decimal("300.00"),
        wrong.contract_number: Decimal("4500.00"),
    }
    source_a = _import(org, [(n, str(b)) for n, b in sheet_a.items()])
    expected = _expected(files, {org.coop_a.pk: sheet_a})
    assert set(expected) == {ledger_only.pk, settled_listed.pk, missing.pk, wrong.pk}
    assert _listed(reconcile.reconciliation_rows(coops)) == expected
    assert _listed(reconcile.reconciliation_rows(ArchiveFile.objects.all())) == expected
    assert _listed(reconcile.reconciliation_rows(coops, source_a)) == expected
    assert gone.pk not in expected

    # Coop B's sheet names coop A's contract but not coop B's own file: A's rows unchanged,
    # B's file is missing from its cooperative's sheet.
    reconcile.accounting_import(
        actor=org.director_b,
        cooperative=org.coop_b,
        as_of=date(2027, 7, 31),
        upload=_sheet([(missing.contract_number, "5000")]),
    )
    expected = _expected(
        files, {org.coop_a.pk: sheet_a, org.coop_b.pk: {missing.contract_number: Decimal(5000)}}
    )
    assert other.pk in expected and missing.pk in expected
    assert _listed(reconcile.reconciliation_rows(coops)) == expected
    summary = {
        s["cooperative_id"]: s
        for s in reconcile.reconciliation_summary(
            reconcile.reconciliation_rows(coops), "cooperative"
        )
    }
    summary_a, summary_b = summary[org.coop_a.pk], summary[org.coop_b.pk]
    assert (summary_a["files"], summary_a["ledger_count"], summary_a["accounting_count"]) == (
        4,
        1,
        3,
    )
    assert summary_a["accounting_total"] == Decimal("300.00") + 5000 + 500
    assert (summary_b["files"], summary_b["accounting_total"]) == (1, Decimal("5000.00"))
