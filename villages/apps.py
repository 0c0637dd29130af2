from django.apps import AppConfig


class Config(AppConfig):
    name = "villages"
    label = "villages"
    verbose_name = "村与农户"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop import hooks
        from creditcoop.reporting.figures import register_figures

        from . import dashboard_links, figures, idcard, ledgers, selectors

        hooks.provide_identity_checks(
            normalize_id=idcard.normalize_id,
            id_number_error=idcard.id_number_error,
            phone_error=idcard.phone_error,
        )
        hooks.register_home_section("villages", selectors.home_section)
        ledgers.register()
        register_figures("villages", figures.village_figures)
        dashboard_links.register()
