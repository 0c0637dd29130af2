from django.apps import AppConfig


class Config(AppConfig):
    name = "archives"
    label = "archives"
    verbose_name = "信贷档案"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop.hooks import register_home_section
        from creditcoop.reporting.figures import register_figures

        from . import dashboard_links, deadline_kinds, figures, hooks, ledgers, selectors

        deadline_kinds.register()
        hooks.register()
        register_home_section("archives", selectors.home_section)
        ledgers.register()
        register_figures("archives", figures.archive_figures)
        dashboard_links.register()
