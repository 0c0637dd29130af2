"""Contracted collection for tests: records, a package built and taken through the real
services up to a signed contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recovery.services import contract as svc

from .helpers import npl


def records(village, n=3, *, prefix="CB", **kw):
    return [npl(village, number=f"{prefix}-{village.pk}-{i}", **kw) for i in range(n)]


def published(actor, *, name="一号包", cooperative=None, today=None, **filters):
    coop = cooperative if cooperative is not None else actor.cooperative
    f = svc.PackageFilters(cooperative=str(coop.pk) if coop else "", **filters)
    package = svc.package_build(actor=actor, name=name, filters=f, today=today)
    return svc.package_publish(actor=actor, package=package, today=today)


def bid(staff, package, amount, *, today=None):
    if not package.registrations.filter(staff=staff).exists():
        svc.contractor_register(actor=staff, package=package, today=today)
    return svc.bid_submit(actor=staff, package=package, amount=Decimal(amount))


def contracted(leader, contractor, *, signed_on=date(2025, 1, 10), amount=None, **kw):
    """A package of the leader's cooperative, awarded to `contractor` and signed."""
    package = published(leader, today=signed_on, **kw)
    bid(contractor, package, amount or package.price, today=signed_on)
    svc.package_award(actor=leader, package=package)
    package.refresh_from_db()
    return svc.contract_sign(actor=leader, package=package, signed_on=signed_on, today=signed_on)
