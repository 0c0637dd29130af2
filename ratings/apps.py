from django.apps import AppConfig


class Config(AppConfig):
    name = "ratings"
    label = "ratings"
    verbose_name = "信用评级与授信"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop import hooks
        from creditcoop.reporting.figures import register_figures

        from . import deadline_kinds, figures, ledgers, selectors

        deadline_kinds.register()
        hooks.register_home_section("initial_ratings", selectors.home_section)
        ledgers.register()

        register_figures("ratings", figures.rating_figures)
