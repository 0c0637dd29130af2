from django.core.management import BaseCommand

from recovery import demo


class Command(BaseCommand):
    help = "演示数据：不良贷款登记簿（含上世纪九十年代的表外贷款、保证人、时效事项和本周到期的时效预警），可重复运行。"

    def handle(self, *args, **options):
        result = demo.seed()
        self.stdout.write(
            "不良贷款：自动登记 {entered} 笔，导入表外 {imported} 笔，时效事项 {events} 项，"
            "时效预警 {warnings} 条。".format(**result)
        )
