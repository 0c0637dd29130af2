from django.apps import AppConfig


class Config(AppConfig):
    name = "creditcoop"
    label = "creditcoop"
    verbose_name = "机构与人员"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import workdays
        from .models import CalendarDay, CalendarYear
        from .reporting import core_ledgers

        core_ledgers.register()

        for model in (CalendarDay, CalendarYear):
            post_save.connect(
                workdays.invalidate, sender=model, dispatch_uid=f"wd-{model.__name__}"
            )
            post_delete.connect(
                workdays.invalidate, sender=model, dispatch_uid=f"wd-del-{model.__name__}"
            )
