from django.apps import AppConfig


class Config(AppConfig):
    name = "villages"
    label = "villages"
    verbose_name = "村与农户"
    default_auto_field = "django.db.models.BigAutoField"
