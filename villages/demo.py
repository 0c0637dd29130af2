"""Deterministic demo data: a county union with cooperatives, villages and households.

The same ``seed`` and ``households`` always give the same organisation, names and ID numbers.
The organisation (cooperatives, branches, staff, villages, groups, committees) is small and
goes through the ORM; households and family members go through PostgreSQL ``COPY`` so that
1,000,000 households load in minutes. ``COPY`` skips ``Member.save()``, so ``initials``,
``id_reversed`` and the member's ``village`` are filled in here.

Demo staff numbers (工号), all with password ``demo1234`` (``kk`` = cooperative number 01, 02, …):

    X0001           系统管理员（Django 管理后台：is_staff + is_superuser）
    U0001, U0002    稽核（全联社，只读）
    U0101, U0102    联社风险管理部
    U0201, U0202    联社资产保全部
    Dkk01           信用社主任
    Dkk02           信用社副主任
    Rkk01–Rkk03     审贷小组成员
    Okk01–          信贷员，等级按 一、二、三、二、一、二 级循环（Okk01 一级、Okk02 二级、
                    Okk03 三级）；每社至少 3 名，约每 4 个村一名，村按顺序轮流分给他们包
    Tkk01–          柜员（营业部和每个分社各一名）
    Kkk01           档案管理员
    Wkk01, Wkk02    村信用评审小组组长（该社第 1、2 个村），只能看到本村

With 2,000 households (what ``seed_demo_if_empty`` loads) there are two cooperatives (kk = 01,
02) of three villages each; with 1,000,000 there are 50. ``manage.py demo_logins`` lists them.
"""

from __future__ import annotations

import io
import math
import queue
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from creditcoop.models import Branch, Cooperative, Role, Staff, Union

from .idcard import check_digit
from .models import CommitteeMember, Household, Member, Village, VillageGroup
from .pinyin import name_initials

DEMO_PASSWORD = "demo1234"  # noqa: S105 - the published demo password
UNION_NAME = "阳光县农村信用合作联社"
COUNTY = "阳光县"
COUNTY_CODE = "411623"
UNION_COMPLAINT_PHONE = "0394-96288"
HOUSEHOLDS_PER_COOPERATIVE = 20_000
HOUSEHOLDS_PER_VILLAGE = 450
VILLAGE_SIZE_SPREAD = 140
VILLAGES_PER_OFFICER = 4
GRADE_CYCLE = (1, 2, 3, 2, 1, 2)
# Ages are counted from a fixed day so that the data does not depend on when it is generated.
REFERENCE_DAY = date(2026, 1, 1)
CHUNK_HOUSEHOLDS = 20_000

# Surnames with rough relative frequencies (common surnames of the Central Plains).
SURNAMES = (
    ("王", 80),
    ("李", 76),
    ("张", 74),
    ("刘", 58),
    ("陈", 40),
    ("杨", 34),
    ("赵", 30),
    ("黄", 18),
    ("周", 20),
    ("吴", 16),
    ("徐", 15),
    ("孙", 18),
    ("胡", 14),
    ("朱", 14),
    ("高", 16),
    ("林", 6),
    ("何", 8),
    ("郭", 18),
    ("马", 16),
    ("罗", 6),
    ("梁", 8),
    ("宋", 12),
    ("郑", 10),
    ("谢", 6),
    ("韩", 10),
    ("唐", 6),
    ("冯", 9),
    ("于", 7),
    ("董", 8),
    ("程", 8),
    ("曹", 8),
    ("袁", 6),
    ("邓", 4),
    ("许", 8),
    ("傅", 3),
    ("沈", 3),
    ("曾", 2),
    ("彭", 4),
    ("吕", 6),
    ("苏", 5),
    ("卢", 5),
    ("蒋", 3),
    ("蔡", 5),
    ("贾", 6),
    ("丁", 5),
    ("魏", 7),
    ("薛", 4),
    ("叶", 3),
    ("阎", 4),
    ("余", 3),
    ("潘", 3),
    ("杜", 5),
    ("戴", 3),
    ("夏", 4),
    ("钟", 2),
    ("汪", 2),
    ("田", 6),
    ("任", 5),
    ("姜", 4),
    ("范", 5),
    ("方", 4),
    ("石", 5),
    ("姚", 4),
    ("谭", 2),
    ("廖", 2),
    ("邹", 2),
    ("熊", 2),
    ("金", 3),
    ("陆", 2),
    ("郝", 4),
    ("孔", 3),
    ("白", 4),
    ("崔", 4),
    ("康", 3),
    ("毛", 3),
    ("邱", 2),
    ("秦", 3),
    ("江", 2),
    ("史", 4),
    ("顾", 2),
    ("侯", 4),
    ("邵", 3),
    ("孟", 4),
    ("龙", 1),
    ("万", 2),
    ("段", 3),
    ("雷", 2),
    ("钱", 2),
    ("汤", 2),
    ("尹", 3),
    ("黎", 1),
    ("易", 1),
    ("常", 4),
    ("武", 4),
    ("乔", 3),
    ("贺", 3),
    ("赖", 1),
    ("龚", 1),
    ("文", 2),
    ("牛", 4),
    ("葛", 3),
    ("申", 3),
    ("岳", 3),
    ("耿", 2),
    ("单", 2),
)
# Given names by generation: people born before about 1980 and after.
MALE_OLD = (
    "建国 国庆 建军 建华 国强 国华 志强 志刚 志明 永刚 永强 永生 卫东 卫国 红军 学军 新民 保国 "
    "富贵 长青 德胜 德明 玉山 金山 春生 秋生 海洋 宝山 振华 文华 文明 明亮 庆丰 光明 献忠 "
    "铁柱 根生 福林 新华 建设 保全 运来 留柱 金锁 有才 全胜 忠义 广田 合群 风雷 "
    "伟 强 军 勇 刚 平 明 华 斌 涛 林 峰 东 亮 成 海 山 杰 辉 超"
).split()
MALE_YOUNG = (
    "浩然 子轩 宇轩 梓豪 俊杰 一鸣 浩宇 博文 子豪 鹏飞 文博 晨阳 家豪 嘉豪 旭东 俊豪 "
    "天宇 志豪 佳乐 欣怡 浩楠 宇航 明轩 思远 泽宇 雨泽 子墨 奕辰 梓睿 宏伟 建伟 "
    "晓东 海涛 志伟 立新 永辉 振宇 伟 强 磊 杰 涛 超 鹏 飞 鑫 波 宇 浩 凯 帅 旭 龙 洋"
).split()
FEMALE_OLD = (
    "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 玉梅 素珍 桂芝 淑珍 春梅 冬梅 翠花 秀云 "
    "桂荣 玉华 凤兰 金凤 爱华 爱玲 红梅 丽华 秀芳 彩霞 巧云 美荣 雪梅 兰英 月娥 "
    "小红 春花 素芳 淑英 芳 霞 敏 静 丽 艳 娟 英 兰 萍 红 梅 玲 燕 琴 菊"
).split()
FEMALE_YOUNG = (
    "欣怡 梓涵 子涵 诗涵 一诺 雨欣 佳怡 梦瑶 雨涵 思琪 紫涵 可馨 语嫣 婉婷 静怡 "
    "晓丽 丽娟 海燕 婷婷 丹丹 晶晶 倩倩 莉莉 雪 颖 慧 婷 倩 洁 琳 璐 瑶 丹 晨 悦 "
    "佳琪 欣然 雅琪 雨桐 梦琪 晓燕 文静 亚楠 艳红 红霞"
).split()
VILLAGE_SUFFIXES = (
    "庄",
    "屯",
    "营",
    "集",
    "寨",
    "楼",
    "湾",
    "岗",
    "店",
    "桥",
    "庙",
    "洼",
    "堂",
    "口",
    "铺",
    "寺",
    "坡",
    "圈",
    "岭",
    "湖",
)
VILLAGE_PREFIXES = ("", "", "", "", "东", "西", "南", "北", "前", "后", "大", "小")
TOWN_SUFFIXES = ("集", "店", "营", "寨", "桥", "口", "庙", "岗", "湖", "楼", "庄", "屯")
BUSINESSES = (
    ("小麦玉米种植", 30),
    ("蔬菜大棚", 8),
    ("生猪养殖", 6),
    ("肉牛养殖", 4),
    ("肉羊养殖", 3),
    ("蛋鸡养殖", 3),
    ("外出务工", 18),
    ("个体商店", 5),
    ("农机服务", 3),
    ("果树种植", 3),
    ("中药材种植", 2),
    ("食用菌种植", 2),
    ("花生种植", 4),
    ("辣椒种植", 2),
    ("货物运输", 2),
    ("建筑务工", 4),
    ("农产品收购", 2),
    ("水产养殖", 1),
    ("餐饮", 1),
    ("家庭农场", 1),
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
# Birthplace area codes: mostly this county, some from neighbouring counties (married in).
AREA_CODES = (
    (COUNTY_CODE, 82),
    ("411621", 3),
    ("411622", 3),
    ("411624", 3),
    ("411625", 2),
    ("411627", 2),
    ("411628", 2),
    ("411602", 3),
)
CN_NUMBERS = "一二三四五六七八九十"


def _cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUMBERS[n - 1]
    if n < 20:
        return "十" + CN_NUMBERS[n - 11]
    tens, ones = divmod(n, 10)
    return CN_NUMBERS[tens - 1] + "十" + (CN_NUMBERS[ones - 1] if ones else "")


def _cumulative(pairs):
    items, weights, total = [], [], 0
    for item, weight in pairs:
        total += weight
        items.append(item)
        weights.append(total)
    return tuple(items), tuple(weights)


_SURNAMES, _SURNAME_CUM = _cumulative(SURNAMES)
_BUSINESSES, _BUSINESS_CUM = _cumulative(BUSINESSES)
_AREAS, _AREA_CUM = _cumulative(AREA_CODES)


class People:
    """Names, phones and unique resident ID numbers from one random stream."""

    def __init__(self, rng: random.Random, taken_ids: set[str] | None = None):
        self.rng = rng
        self.taken = taken_ids or set()
        # (area, birth day, sex) → how many sequence codes are used (500 for men, 499 for women).
        self._used: dict[int, int] = {}
        self._day_text: dict[int, str] = {}
        self._initials: dict[str, str] = {}

    def surname(self) -> str:
        return self.rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]

    def given(self, male: bool, age: int = 40) -> str:
        if male:
            return self.rng.choice(MALE_OLD if age >= 46 else MALE_YOUNG)
        return self.rng.choice(FEMALE_OLD if age >= 46 else FEMALE_YOUNG)

    def name(self, male: bool, surname: str | None = None, age: int = 40) -> str:
        return (surname or self.surname()) + self.given(male, age)

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def initials(self, name: str) -> str:
        value = self._initials.get(name)
        if value is None:
            value = self._initials[name] = name_initials(name)
        return value

    def id_number(self, male: bool, age: int) -> str:
        """A valid ID number for someone of this age and sex, never handed out twice."""
        rng = self.rng
        area_index = rng.choices(range(len(_AREAS)), cum_weights=_AREA_CUM)[0]
        day = REFERENCE_DAY.toordinal() - 1 - age * 365 - rng.randrange(365)
        sex = 1 if male else 0
        # Sequence codes: odd 001–999 for men, even 002–998 for women.
        capacity = 500 if male else 499
        while True:
            key = ((area_index * 1_000_000 + day) << 1) | sex
            used = self._used.get(key, 0)
            if used >= capacity:
                day -= 1
                continue
            self._used[key] = used + 1
            # A bijection of the codes per key, so they look scattered rather than 001, 003…
            order = (used * 137 + key * 7) % capacity
            code = order * 2 + 1 if male else order * 2 + 2
            text = self._day_text.get(day)
            if text is None:
                text = self._day_text[day] = date.fromordinal(day).strftime("%Y%m%d")
            first17 = f"{_AREAS[area_index]}{text}{code:03d}"
            number = first17 + check_digit(first17)
            if number in self.taken:
                continue
            return number


@dataclass
class CoopPlan:
    index: int
    households: int
    village_sizes: list[int] = field(default_factory=list)


def plan_cooperatives(households: int, rng: random.Random, first_index: int) -> list[CoopPlan]:
    count = max(2, round(households / HOUSEHOLDS_PER_COOPERATIVE))
    base, extra = divmod(households, count)
    plans = []
    for i in range(count):
        total = base + (1 if i < extra else 0)
        # At least one village for each of the three officers a cooperative always has.
        villages = max(3, round(total / HOUSEHOLDS_PER_VILLAGE))
        sizes = _split(total, villages, rng)
        plans.append(CoopPlan(index=first_index + i, households=total, village_sizes=sizes))
    return plans


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``parts`` random sizes within about a third of the mean (300–600 at 450) adding up to total."""
    mean = total / parts
    spread = min(VILLAGE_SIZE_SPREAD, int(mean / 3))
    low, high = max(0, math.floor(mean) - spread), math.ceil(mean) + spread
    sizes = [rng.randint(low, high) for _ in range(parts)]
    missing = total - sum(sizes)
    step = 1 if missing > 0 else -1
    i = 0
    while missing:
        if low <= sizes[i % parts] + step <= high:
            sizes[i % parts] += step
            missing -= step
        i += 1
    return sizes


class Generator:
    """Builds the whole demo union; ``run()`` is one transaction."""

    def __init__(self, *, households: int, seed: int, append: bool = False, progress=None):
        self.households = households
        self.seed = seed
        self.append = append
        self.progress = progress or (lambda text: None)
        self.rng = random.Random(f"{seed}-organisation")
        self.stats: dict[str, float] = {}

    # -- organisation ------------------------------------------------------------------
    def run(self) -> dict[str, float]:
        started = time.monotonic()
        with transaction.atomic():
            union, created = Union.objects.get_or_create(
                name=UNION_NAME, defaults={"complaint_phone": UNION_COMPLAINT_PHONE}
            )
            taken_ids: set[str] = set()
            if self.append:
                taken_ids = set(Member.objects.values_list("id_number", flat=True).iterator())
            self.people = People(self.rng, taken_ids)
            self.password = make_password(DEMO_PASSWORD)
            self.staff: list[Staff] = []
            if created or not Staff.objects.filter(union=union).exists():
                self._union_staff(union)
            first_index = self._next_cooperative_index(union)
            plans = plan_cooperatives(self.households, self.rng, first_index)
            villages = self._organisation(union, plans)
            self.stats["organisation_seconds"] = time.monotonic() - started
            self._households(villages)
        self.stats["seconds"] = time.monotonic() - started
        return self.stats

    def _next_cooperative_index(self, union) -> int:
        index = Cooperative.objects.filter(union=union).count() + 1
        while Cooperative.objects.filter(code=f"C{index:03d}").exists():
            index += 1
        return index

    def _new_staff(self, username, roles, *, union, coop=None, branch=None, grade=None, **extra):
        people = self.people
        male = self.rng.random() < 0.6
        staff = Staff(
            username=username,
            name=people.name(male, age=self.rng.randint(25, 58)),
            phone=people.mobile(),
            union=union,
            cooperative=coop,
            branch=branch,
            roles=[str(r) for r in roles],
            officer_grade=grade,
            password=self.password,
            **extra,
        )
        self.staff.append(staff)
        return staff

    def _union_staff(self, union):
        self._new_staff("X0001", [Role.ADMIN], union=union, is_staff=True, is_superuser=True)
        for n in (1, 2):
            self._new_staff(f"U{n:04d}", [Role.AUDITOR], union=union)
            self._new_staff(f"U{100 + n:04d}", [Role.UNION_RISK], union=union)
            self._new_staff(f"U{200 + n:04d}", [Role.UNION_ASSET], union=union)

    def _unique_place(self, used: set[str], make) -> str:
        for _ in range(200):
            name = make()
            if name not in used:
                used.add(name)
                return name
        n = 2
        while f"{name}{_cn_number(n)}" in used:
            n += 1
        used.add(f"{name}{_cn_number(n)}")
        return f"{name}{_cn_number(n)}"

    def _organisation(self, union, plans: list[CoopPlan]) -> list[dict]:
        """Cooperatives, branches, staff, villages, groups and committees (ORM bulk inserts)."""
        rng, people = self.rng, self.people
        used_towns = set(Village.objects.values_list("town", flat=True).distinct())
        used_villages = set(Village.objects.values_list("name", flat=True))
        used_towns.update(c.name for c in Cooperative.objects.all())

        coops = []
        for plan in plans:
            if plan.index == 1 and "城关镇" not in used_towns:
                used_towns.add("城关镇")
                town = "城关镇"
            else:
                town = self._unique_place(
                    used_towns,
                    lambda: people.surname() + rng.choice(TOWN_SUFFIXES) + rng.choice("镇镇镇乡"),
                )
            street = rng.choice(("人民路", "建设路", "中心街", "文化路", "解放路"))
            coop = Cooperative(
                union=union,
                name=f"{town[:-1]}信用社",
                code=f"C{plan.index:03d}",
                address=f"{COUNTY}{town}{street}{rng.randint(1, 120)}号",
                complaint_phone=f"0394-{rng.randint(5100000, 5999999)}",
                supervision_phone=f"0394-{rng.randint(5100000, 5999999)}",
            )
            coops.append((plan, coop, town))
        Cooperative.objects.bulk_create([c for _, c, _ in coops])

        branches: dict[int, list[Branch]] = {}
        for plan, coop, _ in coops:
            names = ["营业部"]
            while len(names) < (2 if len(plan.village_sizes) < 6 else 3):
                name = f"{people.surname()}{rng.choice(VILLAGE_SUFFIXES)}分社"
                if name not in names:
                    names.append(name)
            branches[plan.index] = [Branch(cooperative=coop, name=n) for n in names]
        Branch.objects.bulk_create([b for own in branches.values() for b in own])

        villages: list[tuple[Village, int, str, Staff | None]] = []
        for plan, coop, town in coops:
            kk = f"{plan.index:02d}"
            own = branches[plan.index]

            def staff(username, role, *, branch=own[0], grade=None, coop=coop):
                return self._new_staff(
                    username, [role], union=union, coop=coop, branch=branch, grade=grade
                )

            staff(f"D{kk}01", Role.DIRECTOR)
            staff(f"D{kk}02", Role.DEPUTY)
            for n in (1, 2, 3):
                staff(f"R{kk}{n:02d}", Role.REVIEW_GROUP)
            for n, branch in enumerate(own, start=1):
                staff(f"T{kk}{n:02d}", Role.TELLER, branch=branch)
            staff(f"K{kk}01", Role.ARCHIVIST)
            staff(f"N{kk}01", Role.CLERK)
            officer_count = max(3, math.ceil(len(plan.village_sizes) / VILLAGES_PER_OFFICER))
            officers = [
                staff(
                    f"O{kk}{n:02d}",
                    Role.OFFICER,
                    branch=own[(n - 1) % len(own)],
                    grade=GRADE_CYCLE[(n - 1) % len(GRADE_CYCLE)],
                )
                for n in range(1, officer_count + 1)
            ]
            for v, size in enumerate(plan.village_sizes, start=1):
                name = self._unique_place(
                    used_villages,
                    lambda: (
                        rng.choice(VILLAGE_PREFIXES)
                        + people.surname()
                        + rng.choice(VILLAGE_SUFFIXES)
                        + "村"
                    ),
                )
                officer = officers[(v - 1) % len(officers)]
                village = Village(
                    cooperative=coop,
                    branch=officer.branch,
                    name=name,
                    town=town,
                    code=f"{COUNTY_CODE}{plan.index:03d}{v:03d}",
                    officer=officer,
                    is_promotion=v == 1 or rng.random() < 0.35,
                )
                account = staff(f"W{kk}{v:02d}", Role.COMMITTEE, branch=None) if v <= 2 else None
                villages.append((village, size, town, account))

        Staff.objects.bulk_create(self.staff)
        Village.objects.bulk_create([v for v, _, _, _ in villages])

        groups, committee, plan_rows = [], [], []
        posts = (
            (CommitteeMember.Post.CHAIR, 0.92, 45, 62),
            (CommitteeMember.Post.ASSISTANT, 0.6, 35, 58),
            (CommitteeMember.Post.CLERK, 0.5, 28, 55),
            (CommitteeMember.Post.REPRESENTATIVE, 0.7, 40, 70),
        )
        for village, size, town, account in villages:
            count = min(12, max(3, round(size / 60)))
            own = [
                VillageGroup(village=village, number=n, name=f"{_cn_number(n)}组")
                for n in range(1, count + 1)
            ]
            groups.extend(own)
            term_start = date(2026, rng.randint(3, 5), rng.randint(1, 28))
            for post, male_share, low, high in posts:
                is_chair = post == CommitteeMember.Post.CHAIR
                name = (
                    account.name
                    if is_chair and account
                    else people.name(rng.random() < male_share, age=rng.randint(low, high))
                )
                committee.append(
                    CommitteeMember(
                        village=village,
                        post=post,
                        name=name,
                        phone=account.phone if is_chair and account else people.mobile(),
                        staff=account if is_chair else None,
                        term_start=term_start,
                        term_end=term_start.replace(year=term_start.year + 5),
                    )
                )
            plan_rows.append({"village": village, "size": size, "town": town, "groups": own})
        VillageGroup.objects.bulk_create(groups)
        CommitteeMember.objects.bulk_create(committee)
        self.stats.update(
            cooperatives=len(coops),
            villages=len(villages),
            groups=len(groups),
            staff=len(self.staff),
            committee=len(committee),
        )
        self.progress(
            f"组织机构：{len(coops)} 个信用社，{len(villages)} 个行政村，{len(groups)} 个村民小组，"
            f"{len(self.staff)} 名员工，{len(committee)} 名评审小组成员。"
        )
        return plan_rows

    # -- households and members ------------------------------------------------------------
    def _family(self, people: People, rng: random.Random) -> list[tuple[str, str, bool, int]]:
        """(name, relation, male, age) for one household, the head first."""
        size = rng.choices(FAMILY_SIZES, cum_weights=FAMILY_SIZE_CUM)[0]
        head_male = rng.random() < 0.86
        head_age = rng.randint(24, 80)
        surname = people.surname()
        family = [(surname + people.given(head_male, head_age), "head", head_male, head_age)]
        children_surname = surname
        if size > 1 and rng.random() < 0.88:
            spouse_male = not head_male
            spouse_surname = people.surname()
            age = max(20, head_age + (rng.randint(-2, 6) if spouse_male else rng.randint(-6, 2)))
            family.append(
                (spouse_surname + people.given(spouse_male, age), "spouse", spouse_male, age)
            )
            if spouse_male:
                children_surname = spouse_surname
        parents = children = grandchildren = 0
        while len(family) < size:
            roll = rng.random()
            male = rng.random() < 0.52
            if head_age >= 50 and roll < 0.35 and grandchildren < 3:
                grandchildren += 1
                age = max(0, head_age - rng.randint(44, 58))
                family.append((people.name(male, children_surname, age), "grandchild", male, age))
            elif head_age <= 55 and roll < 0.5 and parents < 2:
                parents += 1
                age = min(95, head_age + rng.randint(22, 32))
                name = people.name(male, surname if male else None, age)
                family.append((name, "parent", male, age))
            elif roll < 0.93 and children < 4:
                children += 1
                age = max(0, head_age - rng.randint(20, 34))
                family.append((people.name(male, children_surname, age), "child", male, age))
            else:
                age = min(90, max(16, head_age + rng.randint(-8, 8)))
                family.append((people.name(male, surname, age), "sibling", male, age))
        return family

    def _households(self, villages: list[dict]) -> None:
        total = sum(v["size"] for v in villages)
        household_table = Household._meta.db_table
        member_table = Member._meta.db_table
        with connection.cursor() as cursor:
            # Reserve id ranges: nobody else may insert households or members meanwhile.
            cursor.execute(f"LOCK TABLE {household_table}, {member_table} IN EXCLUSIVE MODE")
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')), "
                "nextval(pg_get_serial_sequence(%s, 'id'))",
                [household_table, member_table],
            )
            first_household, first_member = cursor.fetchone()
            # Loading into empty tables, it is much faster to build the secondary indexes once
            # at the end than to update them row by row. Constraint indexes stay.
            dropped = []
            if total >= REBUILD_INDEXES_FROM and not Household.objects.exists():
                for table in (household_table, member_table):
                    cursor.execute(SECONDARY_INDEXES_SQL, [table])
                    dropped += cursor.fetchall()
                for name, _definition in dropped:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

        rng = random.Random(
            f"{self.seed}-households-{villages[0]['village'].code if villages else ''}"
        )
        people = People(rng, self.people.taken)
        now = timezone.now().isoformat()
        household_id, member_id = first_household, first_member
        households_sql = (
            f"COPY {household_table} (id, village_id, group_id, head_name, address, phone, "
            "main_business, created_at) FROM STDIN"
        )
        # Members carry their household's village (scoped search); COPY skips save().
        members_sql = (
            f"COPY {member_table} (id, household_id, village_id, name, relation, id_number, "
            "id_reversed, initials, phone) FROM STDIN"
        )
        started = time.monotonic()
        writer = _CopyWriter(households_sql, members_sql)
        household_lines: list[str] = []
        member_lines: list[str] = []
        try:
            for row in villages:
                village, size, groups = row["village"], row["size"], row["groups"]
                place = f"{COUNTY}{row['town']}{village.name}"
                house_numbers = [0] * len(groups)
                for i in range(size):
                    g = i * len(groups) // size
                    group = groups[g]
                    house_numbers[g] += 1
                    family = self._family(people, rng)
                    head_phone = ""
                    for name, relation, male, age in family:
                        if relation == "head":
                            phone = people.mobile() if rng.random() < 0.92 else ""
                            head_phone = phone
                        elif 18 <= age <= 70 and rng.random() < 0.65:
                            phone = people.mobile()
                        else:
                            phone = ""
                        number = people.id_number(male, age)
                        member_lines.append(
                            f"{member_id}\t{household_id}\t{village.pk}\t{name}\t{relation}\t"
                            f"{number}\t{number[::-1]}\t{people.initials(name)}\t{phone}\n"
                        )
                        member_id += 1
                    business = rng.choices(_BUSINESSES, cum_weights=_BUSINESS_CUM)[0]
                    household_lines.append(
                        f"{household_id}\t{village.pk}\t{group.pk}\t{family[0][0]}\t"
                        f"{place}{group.name}{house_numbers[g]}号\t{head_phone}\t{business}\t{now}\n"
                    )
                    household_id += 1
                    if len(household_lines) >= CHUNK_HOUSEHOLDS:
                        writer.put(household_lines, member_lines)
                        household_lines, member_lines = [], []
                        self._report(
                            household_id - first_household, total, member_id - first_member, started
                        )
            if household_lines:
                writer.put(household_lines, member_lines)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        households = household_id - first_household
        members = member_id - first_member
        with connection.cursor() as cursor:
            for table, last, first in (
                (household_table, household_id - 1, first_household),
                (member_table, member_id - 1, first_member),
            ):
                if last >= first:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, true)", [table, last]
                    )
                else:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, first]
                    )
            if dropped:
                self.progress(f"重建 {len(dropped)} 个索引……")
                # CREATE INDEX refuses to run while deferred foreign-key checks are pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for _name, definition in dropped:
                    cursor.execute(definition)
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"ANALYZE {household_table}")
            cursor.execute(f"ANALYZE {member_table}")
        seconds = time.monotonic() - started
        self.stats.update(households=households, members=members, household_seconds=seconds)
        self._report(households, total, members, started)

    def _report(self, households, total, members, started):
        seconds = max(time.monotonic() - started, 1e-6)
        self.progress(
            f"农户 {households:,}/{total:,}，家庭成员 {members:,}，"
            f"{households / seconds:,.0f} 户/秒，{members / seconds:,.0f} 人/秒，已用 {seconds:,.0f} 秒"
        )


# From this many households into empty tables, secondary indexes are rebuilt after loading.
REBUILD_INDEXES_FROM = 100_000
SECONDARY_INDEXES_SQL = """
    SELECT index_class.relname, pg_get_indexdef(ix.indexrelid)
    FROM pg_index ix JOIN pg_class index_class ON index_class.oid = ix.indexrelid
    WHERE ix.indrelid = %s::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
    ORDER BY index_class.relname
"""
FAMILY_SIZES = (1, 2, 3, 4, 5)
FAMILY_SIZE_CUM = (8, 30, 58, 83, 100)


class _CopyWriter:
    """Runs COPY on a second thread so PostgreSQL loads one chunk while Python builds the next.

    It uses the same database connection (and so the same transaction) as the caller, who
    does not touch the connection until ``finish()`` or ``abort()`` returns.
    """

    def __init__(self, households_sql: str, members_sql: str):
        connection.ensure_connection()
        self.raw = connection.connection
        self.households_sql = households_sql
        self.members_sql = members_sql
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="demo-copy", daemon=True)
        self.thread.start()

    def _work(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            try:
                households, members = item
                with self.raw.cursor() as cursor:
                    cursor.copy_expert(self.households_sql, households)
                    cursor.copy_expert(self.members_sql, members)
            except BaseException as exc:  # re-raised in the caller's thread
                self.error = exc

    def put(self, household_lines: list[str], member_lines: list[str]) -> None:
        self._raise()
        self.queue.put(
            (
                io.BytesIO("".join(household_lines).encode()),
                io.BytesIO("".join(member_lines).encode()),
            )
        )

    def finish(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def abort(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()

    def _raise(self):
        if self.error is not None:
            raise self.error


def generate(*, households: int, seed: int, append: bool = False, progress=None) -> dict:
    return Generator(households=households, seed=seed, append=append, progress=progress).run()
