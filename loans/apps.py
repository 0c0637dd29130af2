from django.apps import AppConfig


class Config(AppConfig):
    name = "loans"
    label = "loans"
    verbose_name = "贷款"
    default_auto_field = "django.db.models.BigAutoField"
