"""Households and their families, and village groups. Each service is one transaction
with an audit row."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, diff, snapshot

from ..idcard import id_number_error, normalize_id, phone_error
from ..models import Household, Member, Village, VillageGroup
from ._common import VillageError, require_village_write

# --- households ---------------------------------------------------------------------------


@dataclass
class MemberInput:
    name: str
    relation: str
    id_number: str
    phone: str = ""
    pk: int | None = None
    errors: dict = field(default_factory=dict)


HOUSEHOLD_FIELDS = ["group_id", "head_name", "address", "phone", "main_business"]


def _members_check(members: list[MemberInput], *, household: Household | None) -> dict:
    """Per-row and whole-household errors; an empty dict means the family is fine."""
    errors: dict = {}

    def add(key, msg):
        errors.setdefault(key, []).append(msg)

    if not members:
        add(None, "至少登记一名家庭成员（户主）。")
    heads = [m for m in members if m.relation == Member.Relation.HEAD]
    if members and len(heads) != 1:
        add(None, "每户必须有且只有一名户主。")
    seen: dict[str, int] = {}
    for i, m in enumerate(members):
        m.name = (m.name or "").strip()
        m.id_number = normalize_id(m.id_number)
        m.phone = (m.phone or "").strip()
        if not m.name:
            add((i, "name"), "请填写姓名。")
        if m.relation not in Member.Relation.values:
            add((i, "relation"), "与户主关系不正确。")
        msg = id_number_error(m.id_number)
        if msg:
            add((i, "id_number"), msg)
        elif m.id_number in seen:
            add((i, "id_number"), f"与第 {seen[m.id_number] + 1} 名成员的身份证号码重复。")
        else:
            seen[m.id_number] = i
        msg = phone_error(m.phone)
        if msg:
            add((i, "phone"), msg)
    own = [m.pk for m in members if m.pk]
    taken = Member.objects.filter(id_number__in=list(seen)).exclude(pk__in=own)
    if household is not None:
        # Members left out are deleted before the new rows are written.
        taken = taken.exclude(household=household)
    for other in taken.select_related("household__village"):
        i = seen[other.id_number]
        add(
            (i, "id_number"),
            f"该身份证号码已登记在{other.household.village}（{other.household}），"
            "同一人不能重复登记。",
        )
    return errors


def _household_check(*, village, group, phone) -> dict:
    errors: dict = {}
    if group is None or group.village_id != village.pk:
        errors["group"] = [_("请选择本村的村民小组。")]
    msg = phone_error(phone)
    if msg:
        errors["phone"] = [msg]
    return errors


def _member_row(m: MemberInput) -> dict:
    return {"name": m.name, "relation": m.relation, "id_number": m.id_number, "phone": m.phone}


def _raise_duplicate(exc: IntegrityError):
    if "id_number" in str(exc):
        raise VillageError(_("身份证号码刚被他人登记，请核对后重新提交。"))
    raise exc


def household_create(
    *,
    actor,
    village: Village,
    group: VillageGroup | None,
    members: list[MemberInput],
    address: str = "",
    phone: str = "",
    main_business: str = "",
) -> Household:
    require_village_write(actor, village)
    errors = _household_check(village=village, group=group, phone=phone)
    errors.update(_members_check(members, household=None))
    if errors:
        raise VillageError(errors=errors)
    head = next(m for m in members if m.relation == Member.Relation.HEAD)
    try:
        with transaction.atomic():
            household = Household.objects.create(
                village=village,
                group=group,
                head_name=head.name,
                address=address.strip(),
                phone=phone.strip(),
                main_business=main_business.strip(),
            )
            for m in members:
                Member.objects.create(household=household, **_member_row(m))
            audit_record(
                actor=actor,
                action="villages.household_create",
                obj=household,
                changes={
                    **snapshot(household, HOUSEHOLD_FIELDS),
                    "members": [_member_row(m) for m in members],
                },
                cooperative=village.cooperative,
            )
    except IntegrityError as exc:
        _raise_duplicate(exc)
    return household


def household_update(
    *,
    actor,
    household: Household,
    group: VillageGroup | None,
    members: list[MemberInput],
    address: str = "",
    phone: str = "",
    main_business: str = "",
    removed: list[int] | tuple = (),
) -> Household:
    """Replace the household's details and family: members with a pk are updated, without
    one are added, and the members in `removed` are deleted. Every existing member must be
    either kept or removed by name: one missing from both is never deleted silently."""
    village = household.village
    require_village_write(actor, village)
    errors = _household_check(village=village, group=group, phone=phone)
    try:
        with transaction.atomic():
            household = Household.objects.select_for_update().get(pk=household.pk)
            existing = {m.pk: m for m in household.members.select_for_update()}
            for i, m in enumerate(members):
                if m.pk and m.pk not in existing:
                    errors.setdefault((i, "name"), []).append("该成员不属于本户。")
            kept = {m.pk for m in members if m.pk}
            removed = {pk for pk in removed if pk in existing and pk not in kept}
            missing = [m.name for pk, m in existing.items() if pk not in kept | removed]
            if missing:
                errors.setdefault(None, []).append(
                    f"本户家庭成员已被他人修改（{'、'.join(missing)}），请重新打开修改页面再保存。"
                )
            errors.update(_members_check(members, household=household))
            if errors:
                raise VillageError(errors=errors)
            before = snapshot(household, HOUSEHOLD_FIELDS)
            before_members = [_as_input(m) for m in existing.values()]
            head = next(m for m in members if m.relation == Member.Relation.HEAD)
            household.group = group
            household.head_name = head.name
            household.address = address.strip()
            household.phone = phone.strip()
            household.main_business = main_business.strip()
            household.save()
            # Removed members go first (their ID may be re-entered on a new row) and the head
            # is written last, so the unique-ID and one-head constraints never see two rows.
            for pk in sorted(removed):
                _member_delete(existing[pk])
            for m in sorted(members, key=lambda m: m.relation == Member.Relation.HEAD):
                if m.pk:
                    row = existing[m.pk]
                    row.name, row.relation = m.name, m.relation
                    row.id_number, row.phone = m.id_number, m.phone
                    row.save()
                else:
                    Member.objects.create(household=household, **_member_row(m))
            changes = diff(before, snapshot(household, HOUSEHOLD_FIELDS))
            after_members = [_member_row(m) for m in members]
            if after_members != before_members:
                changes["members"] = [before_members, after_members]
            audit_record(
                actor=actor,
                action="villages.household_update",
                obj=household,
                changes=changes,
                cooperative=village.cooperative,
            )
    except IntegrityError as exc:
        _raise_duplicate(exc)
    return household


def _member_delete(member: Member) -> None:
    """Delete one family member, or say in words which records still name them."""
    try:
        member.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
        raise VillageError(f"{member.name}已有{'、'.join(kinds)}，不能从本户删除。") from None


def _as_input(m: Member) -> dict:
    return {"name": m.name, "relation": m.relation, "id_number": m.id_number, "phone": m.phone}


# --- village groups -----------------------------------------------------------------------


def village_group_create(*, actor, village: Village, number: int, name: str) -> VillageGroup:
    require_village_write(actor, village)
    name = (name or "").strip()
    if not name:
        raise VillageError(errors={"name": [_("请填写村民小组名称。")]})
    if village.groups.filter(Q(number=number) | Q(name=name)).exists():
        raise VillageError(_("本村已有相同组号或名称的村民小组。"))
    try:
        with transaction.atomic():
            group = VillageGroup.objects.create(village=village, number=number, name=name)
            audit_record(
                actor=actor,
                action="villages.group_create",
                obj=group,
                changes={"number": number, "name": name},
                cooperative=village.cooperative,
            )
    except IntegrityError:
        raise VillageError(_("本村已有相同组号或名称的村民小组。"))
    return group
