"""Notice pages with no transaction around the request, as the running product runs them."""

import pytest
from django.urls import reverse

from ratings.notices.models import NoticeBatch

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_and_publish_a_notice_through_the_pages(login, org, line_set):
    line_set()
    client = login(org.officer1)
    r = client.post(
        reverse("notices:batch_create"),
        {"village": org.village_a1.pk, "period_days": 7, "supervision_phone": "0371-9999"},
    )
    assert r.status_code == 302
    batch = NoticeBatch.objects.get(village=org.village_a1)
    client.post(reverse("notices:batch_publish", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == NoticeBatch.Status.PUBLISHED
