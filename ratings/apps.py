from django.apps import AppConfig


class Config(AppConfig):
    name = "ratings"
    label = "ratings"
    verbose_name = "信用评级与授信"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import deadline_kinds

        deadline_kinds.register()
