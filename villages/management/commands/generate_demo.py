from django.core.management import BaseCommand, CommandError

from villages import demo
from villages.models import Household


class Command(BaseCommand):
    help = (
        "生成演示数据：一个县联社、若干信用社、网点、行政村、村民小组、各角色员工、"
        "村信用评审小组和农户（含家庭成员）。相同的 --seed 总是生成相同的数据。"
        f"演示账号密码均为 {demo.DEMO_PASSWORD}，工号见 villages/demo.py。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=2000, help="农户数（默认 2000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument(
            "--append",
            action="store_true",
            help="数据库已有农户时仍然追加（新增信用社及其村和农户）",
        )

    def handle(self, *args, households, seed, append, verbosity, **options):
        if households < 0:
            raise CommandError("农户数不能为负数。")
        existing = Household.objects.count() if not append else 0
        if existing:
            raise CommandError(
                f"数据库中已有 {existing:,} 户农户，未生成演示数据。"
                "如确需在现有数据之上追加，请加 --append。"
            )

        def progress(text):
            if verbosity >= 1:
                self.stdout.write(text)
                self.stdout.flush()

        stats = demo.generate(households=households, seed=seed, append=append, progress=progress)
        progress(
            f"完成：{stats['households']:,} 户农户，{stats['members']:,} 名家庭成员，"
            f"用时 {stats['seconds']:,.1f} 秒。演示账号密码：{demo.DEMO_PASSWORD}"
        )
