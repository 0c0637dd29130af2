from django.apps import AppConfig


class Config(AppConfig):
    name = "creditcoop.servicehall"
    label = "servicehall"
    verbose_name = "服务大厅与限时办结"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop.deadlines.figures import deadline_figures
        from creditcoop.reporting.figures import register_figures

        from . import deadline_kinds

        deadline_kinds.register()
        register_figures("deadlines", deadline_figures)
