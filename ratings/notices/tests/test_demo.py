from io import StringIO

import pytest
from django.core.management import call_command

from ratings.notices.models import NoticeBatch, Objection, ServicePromise

pytestmark = pytest.mark.django_db


def test_demo_notices_without_ratings_does_nothing_but_promises(org):
    out = StringIO()
    call_command("demo_notices", stdout=out)
    assert "未运行 demo_ratings" in out.getvalue()
    assert not NoticeBatch.objects.exists()
    assert ServicePromise.objects.filter(cooperative=org.coop_a).count() == 3


def test_demo_notices_is_idempotent(org, line_set):
    line_set()
    line_set(group=org.group_a2)
    call_command("demo_notices", stdout=StringIO())
    call_command("demo_notices", stdout=StringIO())
    assert NoticeBatch.objects.count() == 2
    assert NoticeBatch.objects.filter(status="published").count() == 1
    assert NoticeBatch.objects.filter(status="ended").count() == 1
    assert Objection.objects.count() == 1
    assert ServicePromise.objects.filter(cooperative=org.coop_a).count() == 3
