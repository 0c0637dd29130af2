"""Keep the cached public village pages fresh when what they show changes outside notices.

The page shows the committee roster, the loan officer board (name, staff number, phone),
the complaint and supervision telephones and the service promises. Those rows are edited by
the villages services, the service hall and, mostly, the admin; receivers here catch every
one of those writes, so none of them can forget to refresh the page. Each bump happens after
commit (`publiccache`), and only for the villages whose page shows the changed row.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from . import publiccache

# What the officer board shows of a staff member; a login (last_login) changes none of it.
OFFICER_BOARD_FIELDS = {"name", "username", "phone"}


def _villages(**filters) -> list[int]:
    from villages.models import Village

    return list(Village.objects.filter(**filters).values_list("pk", flat=True))


def committee_member_changed(sender, instance, **kwargs):
    publiccache.bump(instance.village_id)


def village_changed(sender, instance, **kwargs):
    publiccache.bump(instance.pk)


def staff_changed(sender, instance, created=False, update_fields=None, **kwargs):
    if created:
        return  # nobody's officer yet
    if update_fields is not None and not OFFICER_BOARD_FIELDS & set(update_fields):
        return
    publiccache.bump_many(_villages(officer_id=instance.pk))


def cooperative_changed(sender, instance, **kwargs):
    publiccache.bump_many(_villages(cooperative_id=instance.pk))


def cooperative_setting_changed(sender, instance, **kwargs):
    """A service promise or the notice policy (its promise text) of one cooperative."""
    publiccache.bump_many(_villages(cooperative_id=instance.cooperative_id))


def shown_everywhere_changed(sender, instance, **kwargs):
    """A union's complaint telephone or a service-hall loan type: rare, and shown on the
    pages of many cooperatives, so every village's page is refreshed."""
    publiccache.bump_all()


def connect() -> None:
    from creditcoop.models import Cooperative, Staff, Union
    from creditcoop.servicehall.models import LoanType
    from villages.models import CommitteeMember, Village

    from .models import NoticePolicy, ServicePromise

    receivers = [
        (CommitteeMember, committee_member_changed),
        (Village, village_changed),
        (Cooperative, cooperative_changed),
        (ServicePromise, cooperative_setting_changed),
        (NoticePolicy, cooperative_setting_changed),
        (Union, shown_everywhere_changed),
        (LoanType, shown_everywhere_changed),
    ]
    for model, receiver in receivers:
        uid = f"notices-public:{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}:delete")
    # A village's officer cannot be deleted (PROTECT), so only saves matter.
    post_save.connect(staff_changed, sender=Staff, dispatch_uid="notices-public:staff:save")
