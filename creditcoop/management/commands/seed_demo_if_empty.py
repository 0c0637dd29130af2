from django.core.management import BaseCommand, call_command

from creditcoop.models import Staff


class Command(BaseCommand):
    help = "首次启动时载入演示数据（数据库为空时）；已有数据则不做任何事。"

    def handle(self, *args, **options):
        if Staff.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
        else:
            call_command("generate_demo", households=2000, seed=1)
        call_command("demo_logins")
