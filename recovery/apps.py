from django.apps import AppConfig


class Config(AppConfig):
    name = "recovery"
    label = "recovery"
    verbose_name = "不良贷款清收"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop import hooks
        from creditcoop.reporting.figures import register_figures

        from . import dashboard_links, deadline_kinds, figures, ledgers, selectors

        deadline_kinds.register()
        hooks.register_home_section("recovery", selectors.home_section)
        ledgers.register()

        register_figures("recovery.register", figures.npl_figures)
        register_figures("recovery.recoveries", figures.recovery_figures)

        dashboard_links.register()
