"""Entrusted collection for tests: a white-listed firm with one login and a package of
cooperative B's old records, built through the services."""

from __future__ import annotations

from datetime import date

from creditcoop.models import Role
from recovery import services
from recovery.models import Agency
from tests import factories as f

START, END = date(2025, 6, 1), date(2027, 6, 1)


def agency(org, *, name="湘诚资产管理有限公司", licence="91430000TEST00001X", whitelist=True):
    firm = services.agency_create(
        actor=org.union_asset, union=org.union, name=name, licence_number=licence
    )
    if whitelist:
        firm = services.agency_whitelist(actor=org.director_b, agency=firm, today=START)
    return firm


def agency_user(org, firm: Agency, username="G001", name="龙催收"):
    staff = f.StaffFactory(
        username=username, name=name, cooperative=None, union=org.union, roles=[Role.AGENCY]
    )
    services.agency_member_add(actor=org.union_asset, agency=firm, staff=staff)
    return staff


def package(org, firm: Agency, *, today=date(2025, 6, 1), **kw):
    values = dict(
        actor=org.director_b,
        agency=firm,
        cooperative=org.coop_b,
        staff=org.officer_b,
        starts_on=START,
        ends_on=END,
        today=today,
    )
    values.update(kw)
    return services.package_create(**values)
