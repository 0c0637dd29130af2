from django.apps import AppConfig


class Config(AppConfig):
    name = "ratings.notices"
    label = "notices"
    verbose_name = "张榜公示"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop import hooks
        from creditcoop.reporting.figures import register_figures

        from . import dashboard_links, deadline_kinds, figures, ledgers, selectors, signals

        deadline_kinds.register()
        signals.connect()
        hooks.register_home_section("objections", selectors.home_section)
        hooks.provide_loan_products(selectors.loan_products)
        ledgers.register()
        register_figures("notices", figures.notice_figures)
        dashboard_links.register()
