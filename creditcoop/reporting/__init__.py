"""The reporting layer every stage feeds: auditor ledgers (exported as background jobs) and
the monthly figures behind the dashboards and the printed monthly reports.

The core imports no stage: each stage registers its ledgers (`ledgers.register_ledger`) and
its monthly figures (`figures.register_figures`) from its `AppConfig.ready`.
"""
