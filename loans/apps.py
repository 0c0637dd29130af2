from django.apps import AppConfig


class Config(AppConfig):
    name = "loans"
    label = "loans"
    verbose_name = "贷款"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from creditcoop.reporting.figures import register_figures
        from villages.credit import register_credit_source

        from . import dashboard_links, figures, ledgers
        from .services import npl_credit_problem

        ledgers.register()

        # The family credit check (rating, granting, counter) also reads our own NPLs.
        register_credit_source("npl", npl_credit_problem)
        register_figures("loans.lines", figures.line_figures)
        register_figures("loans.loans", figures.loan_figures)
        register_figures("loans.repayments", figures.repayment_figures)
        register_figures("loans.migration", figures.migration_figures)
        dashboard_links.register()
