from django.apps import AppConfig


class Config(AppConfig):
    name = "archives"
    label = "archives"
    verbose_name = "信贷档案"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop.hooks import register_home_section

        from . import dashboard_links, deadline_kinds, hooks, selectors

        deadline_kinds.register()
        hooks.register()
        register_home_section("archives", selectors.home_section)
        dashboard_links.register()
