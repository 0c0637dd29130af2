"""Golden tests of the limitation engine (docs/rules.md §7), with worked dates."""

from datetime import date as d

import pytest

from recovery import limitation as L
from recovery.limitation import Event, Guarantee

# The engine needs no database; the project's autouse fixtures do.
pytestmark = pytest.mark.django_db


def borrower(due, *events):
    due = due if isinstance(due, list) else [due]
    return L.borrower_limitation(due_dates=due, events=list(events))


def receipt(on, relation=L.SIGNER_SELF, name="张三", **kw):
    return Event(L.DEMAND_RECEIPT, on, signer_relation=relation, signer_name=name, **kw)


# --- the plain period and the 2017 transition --------------------------------------------


def test_three_years_from_the_day_after_the_due_date():
    r = borrower(d(2020, 1, 10))
    assert r.expires_on == d(2023, 1, 10)
    assert r.is_expired(d(2023, 1, 11)) and not r.is_expired(d(2023, 1, 10))


def test_leap_day_due_date_ends_on_28_february():
    assert borrower(d(2020, 2, 29)).expires_on == d(2023, 2, 28)


def test_two_year_period_ended_before_2017_10_01_stays_expired():
    # Due 2015-09-29: the old 2-year period ended 2017-09-29, before the new law.
    r = borrower(d(2015, 9, 29))
    assert r.expires_on == d(2017, 9, 29)
    assert "二年" in r.summary[0]


def test_period_still_running_on_2017_10_01_becomes_three_years():
    # Due 2015-10-01: the 2-year period would end 2017-10-01, still running that day.
    r = borrower(d(2015, 10, 1))
    assert r.expires_on == d(2018, 10, 1)
    assert "尚未届满" in r.summary[0]


def test_old_interruption_restarts_the_two_year_period_then_transition():
    # Due 1998: 2 years to 2000-06-30; a signed receipt on 2000-03-01 restarts 2 years to
    # 2002-03-01, which ended long before 2017: expired.
    r = borrower(d(1998, 6, 30), receipt(d(2000, 3, 1)))
    assert r.expires_on == d(2002, 3, 1)
    # An acknowledgement on 2016-05-20 restarts; 2018-05-20 is after 2017-10-01: 3 years.
    r = borrower(d(2014, 6, 30), Event(L.ACKNOWLEDGEMENT, d(2016, 5, 20)))
    assert r.expires_on == d(2019, 5, 20)


# --- interruption by each kind --------------------------------------------------------------


def test_each_kind_of_interruption_restarts_the_period():
    due = d(2020, 3, 1)
    kinds = [
        receipt(d(2021, 6, 1)),
        receipt(d(2021, 6, 1), relation=L.SIGNER_RELATIVE, name="张三之妻"),
        receipt(d(2021, 6, 1), relation=L.SIGNER_AUTHORISED, name="李律师"),
        Event(L.DEMAND_POSTAL, d(2021, 6, 1), receipt_number="EMS1234"),
        Event(L.ACKNOWLEDGEMENT, d(2021, 6, 1)),
        Event(L.PARTIAL_PAYMENT, d(2021, 6, 1)),
        Event(L.AGREEMENT, d(2021, 6, 1)),
        Event(L.DEDUCTION, d(2021, 6, 1)),
        Event(L.MEDIA_NOTICE, d(2021, 6, 1), media_level=L.MEDIA_PROVINCIAL, media_name="湖南日报"),
        Event(L.LAWSUIT, d(2021, 6, 1), ends_on=d(2021, 6, 1)),
    ]
    for event in kinds:
        r = borrower(due, event)
        assert r.expires_on == d(2024, 6, 1), event
        assert r.steps[0].verdict == L.COUNTED, event


def test_receipt_signed_by_another_person_does_not_count():
    r = borrower(d(2020, 3, 1), receipt(d(2021, 6, 1), relation=L.SIGNER_OTHER, name="邻居王五"))
    assert r.expires_on == d(2023, 3, 1)
    step = r.steps[0]
    assert step.verdict == L.REFUSED
    assert "王五" in step.text and "同住成年亲属" in step.text


def test_postal_demand_needs_proof_of_arrival():
    r = borrower(d(2020, 3, 1), Event(L.DEMAND_POSTAL, d(2021, 6, 1)))
    assert r.expires_on == d(2023, 3, 1)
    assert r.steps[0].verdict == L.REFUSED


def test_village_poster_and_local_media_never_count():
    for level in (L.MEDIA_POSTER, L.MEDIA_LOCAL):
        r = borrower(
            d(2020, 3, 1),
            Event(L.MEDIA_NOTICE, d(2021, 6, 1), media_level=level, media_name="村公告栏"),
        )
        assert r.expires_on == d(2023, 3, 1)
        assert r.steps[0].verdict == L.REFUSED
        assert "全国或省级" in r.steps[0].text


def test_lawsuit_pending_stops_the_clock_until_it_ends():
    r = borrower(d(2020, 3, 1), Event(L.LAWSUIT, d(2022, 1, 5)))
    assert r.expires_on is None
    r = borrower(d(2020, 3, 1), Event(L.LAWSUIT, d(2022, 1, 5), ends_on=d(2022, 9, 30)))
    assert r.expires_on == d(2025, 9, 30)


def test_event_before_the_due_date_does_not_interrupt():
    r = borrower(d(2020, 3, 1), receipt(d(2020, 2, 1)))
    assert r.expires_on == d(2023, 3, 1)
    assert r.steps[0].verdict == L.NOTED


# --- after expiry ----------------------------------------------------------------------------


def test_deduction_after_expiry_is_refused_with_the_reason():
    r = borrower(d(2018, 3, 1), Event(L.DEDUCTION, d(2021, 3, 2)))
    assert r.expires_on == d(2021, 3, 1)
    assert r.steps[0].verdict == L.REFUSED
    assert "届满（2021-03-01）之后" in r.steps[0].text


def test_deduction_on_the_last_day_still_counts():
    r = borrower(d(2018, 3, 1), Event(L.DEDUCTION, d(2021, 3, 1)))
    assert r.expires_on == d(2024, 3, 1)


def test_written_agreement_after_expiry_is_flagged_signed_after_expiry():
    r = borrower(d(2015, 3, 1), Event(L.AGREEMENT, d(2019, 4, 1)))
    # 2-year period ended 2017-03-01; the debtor's own agreement in 2019 revives (L8).
    assert r.revived_after_expiry
    assert r.steps[0].verdict == L.REVIVED
    assert "时效届满后签署" in r.steps[0].text
    assert r.expires_on == d(2022, 4, 1)


def test_relative_signing_after_expiry_revives_nothing():
    r = borrower(d(2015, 3, 1), receipt(d(2019, 4, 1), relation=L.SIGNER_RELATIVE, name="妻"))
    assert r.expires_on == d(2017, 3, 1)
    assert r.steps[0].verdict == L.REFUSED
    assert not r.revived_after_expiry


def test_payment_after_expiry_is_kept_but_revives_nothing():
    r = borrower(d(2015, 3, 1), Event(L.PARTIAL_PAYMENT, d(2019, 4, 1)))
    assert r.expires_on == d(2017, 3, 1)
    assert r.steps[0].verdict == L.NOTED


# --- suspension ------------------------------------------------------------------------------


def test_suspension_in_the_last_six_months_ends_six_months_after_the_obstacle():
    # Expiry 2023-03-01; last six months from 2022-09-01. Flood 2022-11-01 .. 2023-01-15.
    r = borrower(d(2020, 3, 1), Event(L.SUSPENSION, d(2022, 11, 1), ends_on=d(2023, 1, 15)))
    assert r.expires_on == d(2023, 7, 15)
    assert r.steps[0].verdict == L.COUNTED


def test_obstacle_begun_earlier_but_lasting_into_the_last_six_months_counts():
    r = borrower(d(2020, 3, 1), Event(L.SUSPENSION, d(2022, 5, 1), ends_on=d(2022, 10, 1)))
    assert r.expires_on == d(2023, 4, 1)


def test_obstacle_over_before_the_last_six_months_does_not_suspend():
    r = borrower(d(2020, 3, 1), Event(L.SUSPENSION, d(2021, 1, 1), ends_on=d(2021, 6, 30)))
    assert r.expires_on == d(2023, 3, 1)
    assert r.steps[0].verdict == L.NOTED
    assert "最后六个月" in r.steps[0].text


def test_obstacle_not_yet_over_stops_the_clock():
    r = borrower(d(2020, 3, 1), Event(L.SUSPENSION, d(2022, 12, 1)))
    assert r.expires_on is None


# --- instalments and the long stop ---------------------------------------------------------


def test_instalment_debt_runs_from_the_last_instalment():
    r = borrower([d(2020, 1, 31), d(2020, 7, 31), d(2021, 1, 31)])
    assert r.starts_from == d(2021, 1, 31)
    assert r.expires_on == d(2024, 1, 31)
    assert "最后一期" in r.summary[0]


def test_twenty_year_long_stop_caps_every_interruption():
    # Due 2005-06-30: long stop 2025-06-30. An acknowledgement in 2024 would give 2027.
    r = borrower(
        d(2005, 6, 30),
        Event(L.ACKNOWLEDGEMENT, d(2007, 1, 1)),
        Event(L.ACKNOWLEDGEMENT, d(2009, 12, 1)),
        Event(L.ACKNOWLEDGEMENT, d(2012, 6, 1)),
        Event(L.ACKNOWLEDGEMENT, d(2015, 1, 1)),
        Event(L.ACKNOWLEDGEMENT, d(2017, 12, 1)),
        Event(L.ACKNOWLEDGEMENT, d(2020, 6, 1)),
        Event(L.ACKNOWLEDGEMENT, d(2023, 1, 1)),
        Event(L.ACKNOWLEDGEMENT, d(2024, 5, 1)),
    )
    assert r.expires_on == d(2025, 6, 30)
    assert any("二十年" in s for s in r.summary)


# --- guarantors ------------------------------------------------------------------------------


def test_guarantee_period_is_six_months_and_never_interrupted():
    g = Guarantee(signed_on=d(2022, 1, 5), stated_type="joint")
    r = L.guarantor_limitation(main_due=d(2023, 1, 5), guarantee=g, events=[])
    assert r.guarantee_period_ends_on == d(2023, 7, 5)
    assert r.expires_on == d(2023, 7, 5)
    # A suspension inside the period does not move it.
    r = L.guarantor_limitation(
        main_due=d(2023, 1, 5),
        guarantee=g,
        events=[Event(L.SUSPENSION, d(2023, 6, 1), ends_on=d(2023, 8, 1))],
    )
    assert r.expires_on == d(2023, 7, 5)


def test_late_guarantor_signature_revives_nothing_and_says_so():
    g = Guarantee(signed_on=d(2019, 1, 5), stated_type="joint")
    r = L.guarantor_limitation(
        main_due=d(2020, 1, 5), guarantee=g, events=[receipt(d(2020, 8, 1), name="保证人李四")]
    )
    assert r.expires_on == d(2020, 7, 5)
    assert r.steps[0].verdict == L.NOTED
    assert "不恢复保证责任" in r.steps[0].text


def test_claim_within_the_period_starts_the_guarantee_debts_own_limitation():
    g = Guarantee(signed_on=d(2019, 1, 5), stated_type="joint")
    r = L.guarantor_limitation(
        main_due=d(2020, 1, 5),
        guarantee=g,
        events=[receipt(d(2020, 5, 10), name="李四"), Event(L.PARTIAL_PAYMENT, d(2022, 8, 1))],
    )
    assert r.steps[0].verdict == L.COUNTED
    # 3 years from the claim (2023-05-10), interrupted by the payment: 2025-08-01.
    assert r.expires_on == d(2025, 8, 1)


def test_unstated_type_before_2021_is_joint_after_is_general():
    old = Guarantee(signed_on=d(2020, 12, 31))
    new = Guarantee(signed_on=d(2021, 1, 1))
    assert L.guarantee_type(old)[0] == "joint"
    assert L.guarantee_type(new)[0] == "general"
    # General guarantee: demanding from the guarantor preserves nothing…
    r = L.guarantor_limitation(
        main_due=d(2022, 1, 1), guarantee=new, events=[receipt(d(2022, 3, 1), name="王保")]
    )
    assert r.expires_on == d(2022, 7, 1)
    # …suing the borrower inside the period does; the limitation waits for enforcement.
    sued = [Event(L.LAWSUIT, d(2022, 5, 1))]
    r = L.guarantor_limitation(
        main_due=d(2022, 1, 1), guarantee=new, events=[], borrower_events=sued
    )
    assert r.expires_on is None
    ended = [*sued, Event(L.ENFORCEMENT_ENDED, d(2023, 2, 1))]
    r = L.guarantor_limitation(
        main_due=d(2022, 1, 1), guarantee=new, events=[], borrower_events=ended
    )
    assert r.expires_on == d(2026, 2, 1)


def test_agreed_period_and_until_repaid_clause():
    due = d(2010, 3, 1)
    agreed = Guarantee(signed_on=d(2009, 3, 1), agreed_end=d(2012, 3, 1))
    assert L.guarantee_period_end(due, agreed)[0] == d(2012, 3, 1)
    too_short = Guarantee(signed_on=d(2009, 3, 1), agreed_end=d(2010, 3, 1))
    assert L.guarantee_period_end(due, too_short)[0] == d(2010, 9, 1)
    until = Guarantee(signed_on=d(2009, 3, 1), until_repaid=True)
    assert L.guarantee_period_end(due, until)[0] == d(2012, 3, 1)
