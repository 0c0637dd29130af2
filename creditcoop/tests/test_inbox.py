import pytest

from creditcoop.models import Notification
from creditcoop.notify import notify

pytestmark = pytest.mark.django_db


def test_inbox_lists_my_notices_and_marks_them_read(org, login):
    notify(recipient=org.officer1, text="张庄村公示已结束", link="/notices/")
    notify(recipient=org.officer2, text="别人的通知")
    client = login(org.officer1)
    body = client.get("/inbox/").content.decode()
    assert "张庄村公示已结束" in body and "别人的通知" not in body
    assert 'badge bg-warning text-dark">1<' in client.get("/").content.decode()
    resp = client.post("/inbox/read-all/")
    assert resp.status_code == 302
    assert not Notification.objects.filter(recipient=org.officer1, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=org.officer2, read_at__isnull=True).exists()


def test_dedupe_key_notifies_once(org):
    notify(recipient=org.director, text="超期", dedupe_key="k")
    notify(recipient=org.director, text="超期", dedupe_key="k")
    assert Notification.objects.filter(recipient=org.director).count() == 1
