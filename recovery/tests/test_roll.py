"""The village public collection roll: consent vs masking, posting refusals, receipts and the
limitation, the 500-line poster, the pages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from creditcoop.models import AuditLog
from loans.selectors import loan_quote
from loans.tests import factories as lf
from recovery import services
from recovery.models import (
    CollectionRoll,
    LimitationEvent,
    NplGuarantor,
    NplRecord,
    RecoveryPolicy,
    RollReceipt,
)
from recovery.services import RecoveryError
from tests.factories import make_id_number
from villages.models import CommitteeMember

from .helpers import npl

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)
ID_1 = make_id_number(1)
ID_2 = make_id_number(2)
ID_G = make_id_number(3)


def _member(village, name="钱文书"):
    return CommitteeMember.objects.create(
        village=village, post="clerk", name=name, phone="13700001111", term_start=date(2025, 1, 1)
    )


def _roll(org, **kw):
    a = npl(org.village_a1, number="A-1", borrower_name="张三丰", borrower_id_number=ID_1, **kw)
    b = npl(org.village_a1, number="A-2", borrower_name="李四", borrower_id_number=ID_2)
    roll = services.roll_create(actor=org.officer1, village=org.village_a1, today=TODAY)
    return roll, a, b


def _posted(org):
    roll, a, b = _roll(org)
    for line in roll.lines.all():
        services.roll_line_check(actor=org.officer1, line=line)
    services.roll_witness(
        actor=org.officer1,
        roll=roll,
        member=_member(org.village_a1),
        witnessed_on=TODAY,
        today=TODAY,
    )
    services.roll_post(
        actor=org.officer1,
        roll=roll,
        places=["村委会公示栏", "小卖部", "文化广场"],
        posted_on=TODAY,
        today=TODAY,
    )
    roll.refresh_from_db()
    return roll, a, b


def test_poster_prints_a_name_only_with_separate_consent(org, client):
    roll, a, b = _roll(org)
    client.force_login(org.officer1)
    url = reverse("recovery:roll_print", args=[roll.pk])
    body = client.get(url).content.decode()
    assert "张**" in body and "李*" in body
    assert "张三丰" not in body and "李四" not in body
    services.consent_record(
        actor=org.officer1,
        roll=roll,
        id_number=ID_1,
        name="张三丰",
        given_on=TODAY,
        evidence="同意书第 1 号",
        today=TODAY,
    )
    body = client.get(url).content.decode()
    assert "张三丰" in body and "李*" in body and "李四" not in body
    # Every print is logged with who printed it.
    prints = AuditLog.objects.filter(action="recovery.roll_print", object_id=str(roll.pk))
    assert prints.count() == 2 and prints.first().actor == org.officer1


def test_consent_only_for_people_on_the_roll_and_refusal_saves_nothing(org):
    roll, a, b = _roll(org)
    with pytest.raises(RecoveryError, match="不是本公告"):
        services.consent_record(
            actor=org.officer1,
            roll=roll,
            id_number=make_id_number(9),
            name="王五",
            given_on=TODAY,
            evidence="同意书",
            today=TODAY,
        )
    with pytest.raises(RecoveryError, match="同意书"):
        services.consent_record(
            actor=org.officer1,
            roll=roll,
            id_number=ID_1,
            name="张三丰",
            given_on=TODAY,
            evidence="",
            today=TODAY,
        )
    from recovery.models import PublicationConsent

    assert PublicationConsent.objects.count() == 0


def test_posting_is_refused_with_every_reason_and_saves_nothing(org):
    roll, a, b = _roll(org)
    with pytest.raises(RecoveryError) as exc:
        services.roll_post(
            actor=org.officer1, roll=roll, places=["公示栏"], posted_on=TODAY, today=TODAY
        )
    msg = exc.value.message
    assert "2 笔未与借据逐笔核对" in msg and "证明人" in msg and "少于规定的 3 份" in msg
    roll.refresh_from_db()
    assert roll.status == CollectionRoll.Status.DRAFT and roll.copy_places == []
    assert not roll.lines.exclude(posted_name="").exists()

    lines = list(roll.lines.all())
    services.roll_line_check(actor=org.officer1, line=lines[0])
    roll.refresh_from_db()
    assert roll.status == CollectionRoll.Status.DRAFT
    services.roll_line_check(actor=org.officer1, line=lines[1])
    roll.refresh_from_db()
    assert roll.status == CollectionRoll.Status.CHECKED
    # A witness from another village's committee is refused.
    with pytest.raises(RecoveryError, match="本村"):
        services.roll_witness(
            actor=org.officer1,
            roll=roll,
            member=_member(org.village_a2),
            witnessed_on=TODAY,
            today=TODAY,
        )
    services.roll_witness(
        actor=org.officer1,
        roll=roll,
        member=_member(org.village_a1),
        witnessed_on=TODAY,
        today=TODAY,
    )
    with pytest.raises(RecoveryError, match="少于规定的 3 份") as exc:
        services.roll_post(actor=org.officer1, roll=roll, places=["公示栏", "小卖部"], today=TODAY)
    assert "核对" not in exc.value.message
    # The minimum is the union's policy.
    policy = RecoveryPolicy.current(org.coop_a.union)
    policy.roll_min_copies = 2
    policy.save()
    events_before = LimitationEvent.objects.count()
    services.roll_post(actor=org.officer1, roll=roll, places=["公示栏", "小卖部"], today=TODAY)
    roll.refresh_from_db()
    assert roll.status == CollectionRoll.Status.POSTED and roll.copies == 2
    # Posting is not an interruption: no limitation event, the expiry unchanged.
    assert LimitationEvent.objects.count() == events_before
    a_before = a.limitation_expires_on
    a.refresh_from_db()
    assert a.limitation_expires_on == a_before
    assert set(roll.lines.values_list("posted_name", flat=True)) == {"张**", "李*"}
    # Posted: no more ticks.
    with pytest.raises(RecoveryError, match="已张贴"):
        services.roll_line_check(actor=org.officer1, line=lines[0], checked=False)


def test_only_the_village_officer_or_leaders_keep_the_roll(org):
    npl(org.village_a1, number="A-1")
    with pytest.raises(RecoveryError, match="无权"):
        services.roll_create(actor=org.officer2, village=org.village_a1, today=TODAY)
    with pytest.raises(RecoveryError, match="没有清收中"):
        services.roll_create(actor=org.officer2, village=org.village_a2, today=TODAY)
    assert CollectionRoll.objects.count() == 0


def test_receipts_per_party_move_the_limitation_only_for_a_valid_signer(org):
    roll, a, b = _posted(org)
    guarantor = services.npl_guarantor_add(
        actor=org.officer1, record=a, name="钱保人", id_number=ID_G
    )
    line_a = roll.lines.get(record=a)
    line_b = roll.lines.get(record=b)
    day = TODAY + timedelta(days=3)
    before_b = b.limitation_expires_on

    # A neighbour signs for 李四: kept on the roll, not a served demand.
    receipt = services.roll_receipt_add(
        actor=org.officer1,
        line=line_b,
        signed_on=day,
        signer_name="邻居王某",
        signer_relation="other",
        today=day,
    )
    assert receipt.limitation_event is None
    b.refresh_from_db()
    assert b.limitation_expires_on == before_b
    assert not LimitationEvent.objects.filter(record=b).exists()

    # 张三丰's co-resident wife signs: a served demand, the expiry restarts from that day.
    receipt = services.roll_receipt_add(
        actor=org.officer1,
        line=line_a,
        signed_on=day,
        signer_name="张妻",
        signer_relation="relative",
        today=day,
    )
    event = receipt.limitation_event
    assert event.kind == LimitationEvent.Kind.DEMAND_RECEIPT and event.guarantor is None
    assert event.signer_name == "张妻" and event.signer_relation == "relative"
    a.refresh_from_db()
    assert a.limitation_expires_on == date(2029, 6, 4)
    # The guarantor signs his own stub: recorded against him.
    g_receipt = services.roll_receipt_add(
        actor=org.officer1,
        line=line_a,
        guarantor=guarantor,
        signed_on=day,
        signer_name="钱保人",
        signer_relation="self",
        today=day,
    )
    assert g_receipt.limitation_event.guarantor == guarantor
    assert RollReceipt.objects.filter(line=line_a).count() == 2
    # The same party twice is refused, nothing saved.
    events = LimitationEvent.objects.count()
    with pytest.raises(RecoveryError, match="已登记"):
        services.roll_receipt_add(
            actor=org.officer1,
            line=line_a,
            signed_on=day,
            signer_name="张三丰",
            signer_relation="self",
            today=day,
        )
    assert LimitationEvent.objects.count() == events
    assert RollReceipt.objects.count() == 3


def test_receipts_wait_for_posting(org):
    roll, a, b = _roll(org)
    with pytest.raises(RecoveryError, match="张贴后"):
        services.roll_receipt_add(
            actor=org.officer1,
            line=roll.lines.first(),
            signed_on=TODAY,
            signer_name="张三丰",
            signer_relation="self",
            today=TODAY,
        )
    assert not LimitationEvent.objects.exists()


def test_a_linked_loan_is_computed_by_its_interest_rules(org):
    contract = lf.contract(org, signed_on=date(2027, 1, 4), today=date(2027, 1, 4))
    loan = lf.draw(org, contract, "10000", today=date(2027, 1, 5), due_date=date(2027, 4, 5))
    record = npl(
        org.village_a1,
        number=loan.number if hasattr(loan, "number") else "L-1",
        loan=loan,
        principal_owed=Decimal("1.00"),
        interest_owed=Decimal("0"),
    )
    as_of = date(2027, 9, 1)
    roll = services.roll_create(
        actor=org.officer1, village=org.village_a1, as_of=as_of, today=as_of
    )
    line = roll.lines.get(record=record)
    quote = loan_quote(loan, on=as_of)
    assert (line.principal, line.interest, line.penalty) == (
        quote.principal,
        quote.interest,
        quote.penalty,
    )
    assert line.principal == Decimal("10000.00") and line.interest > 0 and line.penalty > 0


def test_a_500_line_poster_renders_in_bounded_queries(org, client, django_assert_max_num_queries):
    base = npl(org.village_a1, number="A-0")
    rows = []
    for i in range(1, 500):
        rows.append(
            NplRecord(
                **{
                    f.attname: getattr(base, f.attname)
                    for f in NplRecord._meta.concrete_fields
                    if f.attname not in ("id", "loan_number", "borrower_name")
                },
                loan_number=f"A-{i}",
                borrower_name=f"王{i}",
            )
        )
    NplRecord.objects.bulk_create(rows)
    NplGuarantor.objects.create(record=base, name="赵保")
    roll = services.roll_create(actor=org.officer1, village=org.village_a1, today=TODAY)
    assert roll.lines.count() == 500
    client.force_login(org.officer1)
    url = reverse("recovery:roll_print", args=[roll.pk])
    with django_assert_max_num_queries(16):
        resp = client.get(url)
    body = resp.content.decode()
    assert body.count('class="poster-line"') == 500
    # 22 lines a printed page, each page with the heading and the table header.
    assert body.count("<thead>") == 23 and "第 23 页 / 共 23 页" in body
    assert "赵*" in body
    with django_assert_max_num_queries(16):
        assert client.get(reverse("recovery:roll_detail", args=[roll.pk])).status_code == 200


def test_pages_walk_the_roll(org, client):
    npl(org.village_a1, number="A-1", borrower_name="张三丰", borrower_id_number=ID_1)
    member = _member(org.village_a1)
    client.force_login(org.officer1)
    resp = client.post(
        reverse("recovery:roll_create"), {"village": org.village_a1.pk, "as_of": "2026-05-01"}
    )
    roll = CollectionRoll.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("recovery:roll_detail", args=[roll.pk])
    body = client.get(reverse("recovery:roll_list")).content.decode()
    assert org.village_a1.name in body and "核对中" in body
    detail = reverse("recovery:roll_detail", args=[roll.pk])
    assert "张三丰" in client.get(detail).content.decode()
    resp = client.post(
        reverse("recovery:roll_post", args=[roll.pk]),
        {"places": "公示栏", "posted_on": "2026-05-01"},
    )
    assert resp.status_code == 400 and "不能张贴" in resp.content.decode()
    line = roll.lines.get()
    client.post(reverse("recovery:roll_line_check", args=[line.pk]), {"checked": "1"})
    client.post(
        reverse("recovery:roll_witness", args=[roll.pk]),
        {"member": member.pk, "witnessed_on": "2026-05-01"},
    )
    resp = client.post(
        reverse("recovery:roll_consent", args=[roll.pk]),
        {"id_number": ID_1, "name": "张三丰", "given_on": "2026-05-01", "evidence": "同意书1号"},
    )
    assert resp.status_code == 302
    resp = client.post(
        reverse("recovery:roll_post", args=[roll.pk]),
        {"places": "公示栏\n小卖部\n文化广场", "posted_on": "2026-05-02"},
    )
    assert resp.status_code == 302
    roll.refresh_from_db()
    assert roll.status == CollectionRoll.Status.POSTED
    assert roll.copy_places == ["公示栏", "小卖部", "文化广场"]
    resp = client.post(
        reverse("recovery:roll_receipt_add", args=[line.pk]),
        {"signed_on": "2026-05-03", "signer_name": "张三丰", "signer_relation": "self"},
    )
    assert resp.status_code == 302
    body = client.get(detail).content.decode()
    assert "计入时效" in body and "张三丰" in body
    # The auditor reads, never writes.
    client.force_login(org.auditor)
    assert client.get(detail).status_code == 200
    assert client.post(reverse("recovery:roll_line_check", args=[line.pk])).status_code == 403


def test_demo_posts_a_village_roll_once(org):
    from recovery import demo

    _member(org.village_a1)
    today = date(2026, 12, 7)
    first = demo.seed(today=today)
    assert first["rolls"] >= 1
    roll = CollectionRoll.objects.get(village=org.village_a1)
    assert roll.status == CollectionRoll.Status.POSTED and roll.copies == 3
    assert RollReceipt.objects.filter(line__roll=roll).count() == 1
    assert demo.seed(today=today)["rolls"] == 0
    assert CollectionRoll.objects.count() == 1
