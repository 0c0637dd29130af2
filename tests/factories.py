"""factory_boy factories shared by every app's tests."""

import random
from datetime import date

import factory

from creditcoop.models import Branch, Cooperative, Role, Staff, Union
from villages.idcard import check_digit
from villages.models import CommitteeMember, Household, Member, Village, VillageGroup


def make_id_number(seq: int, birth: date = date(1980, 5, 17), area: str = "410102") -> str:
    first17 = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


_id_seq = iter(range(10**7))


def unique_id_number(birth: date | None = None) -> str:
    n = next(_id_seq)
    birth = birth or date(1950 + n % 50, 1 + n % 12, 1 + n % 28)
    area = f"41{(n // 1000) % 10000:04d}"
    return make_id_number(n, birth, area)


class UnionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Union
        django_get_or_create = ["name"]

    name = "阳光县农村信用合作联社"
    complaint_phone = "0371-12345678"


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    union = factory.SubFactory(UnionFactory)
    name = factory.Sequence(lambda n: f"第{n}信用社")
    code = factory.Sequence(lambda n: f"C{n:04d}")
    complaint_phone = "0371-87654321"
    supervision_phone = "0371-87654000"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    cooperative = factory.SubFactory(CooperativeFactory)
    name = factory.Sequence(lambda n: f"第{n}分社")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    cooperative = factory.SubFactory(CooperativeFactory)
    union = factory.SelfAttribute("cooperative.union")
    roles = factory.LazyFunction(lambda: [Role.OFFICER])
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    cooperative = factory.SubFactory(CooperativeFactory)
    name = factory.Sequence(lambda n: f"第{n}村")
    town = "城关镇"
    code = factory.Sequence(lambda n: f"V{n:06d}")


class VillageGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageGroup

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"{o.number}组")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    group = factory.SubFactory(VillageGroupFactory)
    village = factory.SelfAttribute("group.village")
    head_name = factory.Iterator(["张三", "李四", "王五", "赵六", "刘洋", "陈静"])
    address = "城关镇某村"
    phone = factory.Sequence(lambda n: f"138{n:08d}")

    @factory.post_generation
    def head(obj, create, extracted, **kwargs):
        if create:
            MemberFactory(
                household=obj, name=obj.head_name, relation=Member.Relation.HEAD, phone=obj.phone
            )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    village = factory.SelfAttribute("household.village")
    name = factory.Iterator(["王芳", "张伟", "李娜"])
    relation = Member.Relation.SPOUSE
    id_number = factory.LazyFunction(unique_id_number)


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    village = factory.SubFactory(VillageFactory)
    post = CommitteeMember.Post.CHAIR
    name = "孙书记"
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    term_start = date(2025, 1, 1)


def random_name(rng: random.Random) -> str:
    return rng.choice("赵钱孙李周吴郑王") + rng.choice("伟芳娜敏静丽强磊军洋")
