import unicodedata

from django.core.management import BaseCommand

from creditcoop.models import Role, Staff
from villages.demo import DEMO_PASSWORD

# How many accounts to show per role; officers are shown per grade instead.
PER_ROLE = 2


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "列出演示登录账号（每个角色几名有代表性的员工）。"

    def handle(self, *args, **options):
        staff = Staff.objects.filter(is_active=True).select_related("cooperative")
        picked: list[Staff] = []
        for role in Role:
            of_role = staff.filter(roles__contains=[role.value]).order_by("username")
            if role == Role.OFFICER:
                for grade in (1, 2, 3):
                    picked.extend(of_role.filter(officer_grade=grade)[:PER_ROLE])
            else:
                picked.extend(of_role[:PER_ROLE])
        if not picked:
            self.stdout.write("没有员工账号。请先运行 manage.py generate_demo。")
            return

        # Each distinct hash is checked once: the demo accounts share one.
        known: dict[str, bool] = {}
        rows = []
        for user in picked:
            if user.password not in known:
                known[user.password] = user.check_password(DEMO_PASSWORD)
            rows.append(
                (
                    user.username,
                    user.name,
                    user.role_labels(),
                    user.cooperative.name if user.cooperative else "联社",
                    DEMO_PASSWORD if known[user.password] else "（已修改）",
                )
            )
        header = ("工号", "姓名", "角色", "信用社", "密码")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = [
            "演示登录账号：",
            "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)),
        ]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in rows]
        total = staff.count()
        lines.append(
            f"共 {total:,} 名员工，以上为每个角色的代表账号；管理后台：/admin/（工号 X0001）。"
        )
        self.stdout.write("\n".join(lines))
