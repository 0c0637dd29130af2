from django.apps import AppConfig


class Config(AppConfig):
    name = "recovery"
    label = "recovery"
    verbose_name = "不良贷款清收"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop import hooks

        from . import dashboard_links, deadline_kinds, selectors

        deadline_kinds.register()
        hooks.register_home_section("recovery", selectors.home_section)
        dashboard_links.register()
