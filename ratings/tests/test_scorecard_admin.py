"""The scorecard in the admin: a published version is read-only, edits go to a new draft."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from creditcoop.models import AuditLog
from ratings import services
from ratings.models import Scorecard


class _FormValues(HTMLParser):
    """What the browser would post from the form with this id (submit buttons left out)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            else:
                self.values[name] = a.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def form_values(html):
    parser = _FormValues("scorecard_form")
    parser.feed(html)
    return parser.values


@pytest.fixture
def admin(org, client):
    # The demo's system administrator is a Django superuser (villages/demo.py).
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(org.admin)
    return client


@pytest.fixture
def card(db):
    return services.scorecard_current()


def change_url(sc):
    return reverse("admin:ratings_scorecard_change", args=[sc.pk])


def test_published_version_is_read_only(admin, card):
    page = admin.get(change_url(card)).content.decode()
    assert "复制为新版本进行修改" in page
    assert "启用此版本" not in page
    assert 'name="_save"' not in page and 'name="aaa_min"' not in page
    r = admin.post(change_url(card), {"name": card.name, "aaa_min": 60, "aa_min": 50, "a_min": 40})
    assert r.status_code == 403
    card.refresh_from_db()
    assert (card.aaa_min, card.status) == (80, Scorecard.Status.ACTIVE)


def test_new_version_then_edit_then_publish(admin, org, card):
    # A plain link (GET) never writes.
    assert admin.get(reverse("admin:ratings_scorecard_new_version", args=[card.pk])).status_code
    assert Scorecard.objects.count() == 1

    r = admin.post(reverse("admin:ratings_scorecard_new_version", args=[card.pk]), follow=True)
    draft = Scorecard.objects.get(status=Scorecard.Status.DRAFT)
    assert r.redirect_chain[-1][0] == change_url(draft)
    assert f"已创建第{draft.version}版草稿" in r.content.decode()
    assert draft.version == card.version + 1 and draft.indicators.count() == 6

    values = form_values(admin.get(change_url(draft)).content.decode())
    assert values["max_term_months"] == "24" and values["income_cap_ratio"] == "0.70"
    r = admin.post(change_url(draft), {**values, "aaa_min": "85", "_save": "保存"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.aaa_min == 85
    assert AuditLog.objects.filter(action="ratings.scorecard_edit", object_id=str(draft.pk))

    r = admin.post(reverse("admin:ratings_scorecard_publish", args=[draft.pk]), follow=True)
    assert f"第{draft.version}版已启用" in r.content.decode()
    draft.refresh_from_db()
    card.refresh_from_db()
    assert draft.status == Scorecard.Status.ACTIVE and card.status == Scorecard.Status.RETIRED
    assert services.scorecard_current() == draft
    # Now it is published, the new version is read-only too.
    assert admin.post(change_url(draft), {**values, "aaa_min": "90"}).status_code == 403


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("max_term_months", "25", "授信期限最长 24 个月（2 年）。"),
        ("income_cap_ratio", "1.01", "收入上限比例不能超过 1（授信额度不能超过年纯收入本身）。"),
        ("income_cap_ratio", "0", "收入上限比例必须大于 0。"),
    ],
)
def test_form_refuses_term_over_two_years_and_ratio_over_one(admin, card, field, value, message):
    draft = services.scorecard_new_version(scorecard=card, actor=None)
    values = form_values(admin.get(change_url(draft)).content.decode())
    r = admin.post(change_url(draft), {**values, field: value, "_save": "保存"})
    assert r.status_code == 200
    assert message in r.content.decode()
    draft.refresh_from_db()
    assert draft.max_term_months == 24 and draft.income_cap_ratio == Decimal("0.70")
