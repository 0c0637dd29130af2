from django.core.management import BaseCommand, call_command, get_commands

from creditcoop.models import Staff

# Each stage adds its own demo data on top of the registry, when its command exists.
STAGE_COMMANDS = [
    "demo_ratings",
    "demo_notices",
    "demo_loans",
    "demo_archives",
    "demo_servicehall",
    "demo_recovery",
]


class Command(BaseCommand):
    help = "首次启动时载入演示数据（数据库为空时）；已有数据则不做任何事。"

    def handle(self, *args, **options):
        if Staff.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
        else:
            call_command("generate_demo", households=2000, seed=1, stdout=self.stdout)
            available = get_commands()
            for name in STAGE_COMMANDS:
                if name in available:
                    call_command(name, stdout=self.stdout)
            # Last: a year of monthly figures, so the dashboards show a trend from the start.
            call_command("figures_take", months_back=12, stdout=self.stdout)
        call_command("demo_logins", stdout=self.stdout)
