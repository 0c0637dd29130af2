"""The cached public village page shows at once every change to what it shows, not only to
the notice: committee roster, officer board, telephones, service promises, loan types."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creditcoop.servicehall.models import LoanType
from ratings.notices import publiccache
from ratings.notices.models import NoticePolicy, ServicePromise
from villages import services as village_services
from villages.models import CommitteeMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, org, village_notice, django_assert_num_queries):
    """page() → village A1's public page as the next visitor gets it; page(cached=True) first
    checks that the page is served from the cache (no query) before the change under test."""
    url = reverse("notices_public:village", args=[org.village_a1.code])

    def _get(cached=False):
        if cached:
            client.get(url)
            with django_assert_num_queries(0):
                return client.get(url).content.decode()
        return client.get(url).content.decode()

    return _get


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose after-commit work (the page bump) runs as in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _section(html, name):
    """The part of the page under <section id=name>."""
    start = html.index(f'id="{name}"')
    return html[start : html.index("</section>", start)]


def test_committee_member_added_and_ended_shows_at_once(org, page, committed):
    today = timezone.localdate()
    assert "钱会计" not in page(cached=True)
    with committed():
        member = village_services.committee_member_save(
            actor=org.director,
            village=org.village_a1,
            post=CommitteeMember.Post.CLERK,
            name="钱会计",
            phone="13700001111",
            term_start=today - timedelta(days=30),
        )
    roster = _section(page(), "committee")
    assert "钱会计" in roster and "13700001111" in roster
    assert "钱会计" in _section(page(cached=True), "committee")
    with committed():
        village_services.committee_member_end_term(
            actor=org.director, member=member, end_date=today - timedelta(days=1)
        )
    roster = _section(page(), "committee")
    assert "钱会计" not in roster and "13700001111" not in roster
    assert "孙书记" in roster


def test_village_officer_changed_shows_at_once(org, page, committed):
    board = _section(page(cached=True), "officer")
    assert org.officer1.name in board and org.officer2.name not in board
    village = org.village_a1
    village.officer = org.officer2  # as the admin does
    with committed():
        village.save()
    board = _section(page(), "officer")
    assert org.officer2.name in board and org.officer2.username in board
    assert org.officer2.phone in board
    assert org.officer1.name not in board and org.officer1.phone not in board


def test_officer_details_edited_show_at_once_but_a_login_renders_nothing(org, page, committed):
    page(cached=True)
    before = publiccache.version(org.village_a1.pk)
    officer = org.officer1
    officer.last_login = timezone.now()
    with committed():
        officer.save(update_fields=["last_login"])  # what every login does
    assert publiccache.version(org.village_a1.pk) == before
    officer.name, officer.phone = "郑新名", "13912340000"
    with committed():
        officer.save()
    board = _section(page(), "officer")
    assert "郑新名" in board and "13912340000" in board


def test_service_promise_and_promise_text_edited_show_at_once(org, page, committed):
    assert "设施农业贷款" not in page(cached=True)
    with committed():
        promise = ServicePromise.objects.create(
            cooperative=org.coop_a,
            loan_type="设施农业贷款",
            term="1年以内",
            rate="年利率 6.12%",
            eligibility="本村信用户",
            time_limit="5个工作日内答复",
        )
    promises = _section(page(), "promises")
    assert "设施农业贷款" in promises and "年利率 6.12%" in promises
    page(cached=True)
    promise.rate = "年利率 5.80%"
    with committed():
        promise.save()
    promises = _section(page(), "promises")
    assert "年利率 5.80%" in promises and "6.12%" not in promises
    page(cached=True)
    with committed():
        NoticePolicy.objects.create(cooperative=org.coop_a, promise_text="贷款不收任何额外费用")
    assert "贷款不收任何额外费用" in _section(page(), "promises")
    page(cached=True)
    with committed():
        promise.delete()
    assert "设施农业贷款" not in page()


def test_loan_type_edited_shows_at_once(org, page, committed):
    assert "创业担保贷款" not in page(cached=True)
    with committed():
        loan_type = LoanType.objects.create(
            name="创业担保贷款", answer_days=5, approval_days=10, annual_rate="0.0435"
        )
    promises = _section(page(), "promises")
    assert "创业担保贷款" in promises and "4.35%" in promises
    page(cached=True)
    loan_type.annual_rate = Decimal("0.0475")
    loan_type.eligibility = "返乡创业农户"
    with committed():
        loan_type.save()
    promises = _section(page(), "promises")
    assert "4.75%" in promises and "返乡创业农户" in promises


def test_complaint_phone_changed_shows_at_once_on_page_and_poster(
    client, org, village_notice, page, committed
):
    poster = reverse(
        "notices_public:poster", args=[org.village_a1.code, village_notice["batch"].pk]
    )
    page(cached=True)
    client.get(poster)
    other_village = publiccache.version(org.village_b1.pk)
    coop = org.coop_a
    coop.complaint_phone = "0371-55556666"
    with committed():
        coop.save()
    assert "0371-55556666" in _section(page(), "officer")
    assert "0371-55556666" in client.get(poster).content.decode()
    # Another cooperative's villages keep their cached pages.
    assert publiccache.version(org.village_b1.pk) == other_village
    # The union's complaint telephone, shown where the cooperative has none of its own.
    coop.complaint_phone = ""
    with committed():
        coop.save()
    page(cached=True)
    union = org.union
    union.complaint_phone = "0371-99990000"
    with committed():
        union.save()
    assert "0371-99990000" in _section(page(), "officer")
