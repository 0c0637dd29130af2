from django.apps import AppConfig


class Config(AppConfig):
    name = "loans"
    label = "loans"
    verbose_name = "贷款"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from villages.credit import register_credit_source

        from . import dashboard_links
        from .services import npl_credit_problem

        # The family credit check (rating, granting, counter) also reads our own NPLs.
        register_credit_source("npl", npl_credit_problem)
        dashboard_links.register()
