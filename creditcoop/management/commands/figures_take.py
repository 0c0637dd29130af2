from datetime import date

from django.core.management import BaseCommand, CommandError

from creditcoop.reporting.snapshot import figures_take


class Command(BaseCommand):
    help = (
        "取月度指标（夜间任务同一服务）：当月及上次定稿以来结束的各月。"
        "--months-back N 另取此前 N 个月（演示用）：流量指标按日期精确，"
        "存量指标（农户、授信、余额、五级分类、登记簿、档案、超期）为当前状态。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="取数日期 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--months-back",
            type=int,
            default=0,
            help="另取此前 N 个月的月末（流量按日期精确，存量为当前状态）",
        )

    def handle(self, *args, today=None, months_back=0, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError("--today 须为 YYYY-MM-DD") from exc
        if months_back < 0:
            raise CommandError("--months-back 不能为负数")
        taken = figures_take(today=day, months_back=months_back)
        months = "、".join(f"{m:%Y-%m}" for m in taken.months) or "无"
        self.stdout.write(
            f"月度指标：{months}；新增 {taken.inserted}、更新 {taken.updated}、"
            f"删除 {taken.deleted} 行；定稿 {len(taken.finalised)} 个月。"
        )
