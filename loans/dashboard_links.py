"""Dashboard figures of the loans stage: class names, and the lists behind the figures."""

from __future__ import annotations

from creditcoop.reporting.hooks import register_drill_down, register_key_labels

from .models import CreditContract, RiskClass

CLASS_METRICS = ("class_count", "class_balance")


def class_labels(keys) -> dict[str, str]:
    names = dict(RiskClass.choices)
    return {k: names[int(k)] for k in keys if k.isdigit() and int(k) in names}


def ledger_by_class(*, metric, key, cooperative_id, village_id):
    """The loan ledger (分户清册) of the contracts whose worst open loan is in that class."""
    query = {"class": key}
    if village_id is not None:
        query["village"] = village_id
    elif cooperative_id is not None:
        query["cooperative"] = cooperative_id
    return ("loans:ledger", (), query)


def active_contracts(*, metric, key, cooperative_id, village_id):
    """Contracts in force: the list filters by village only."""
    if village_id is None and cooperative_id is not None:
        return None
    query = {"status": CreditContract.Status.ACTIVE}
    if village_id is not None:
        query["village"] = village_id
    return ("loans:contract_list", (), query)


def register() -> None:
    register_key_labels(CLASS_METRICS, class_labels)
    register_drill_down(CLASS_METRICS, ledger_by_class)
    register_drill_down(("households_credit", "line_total", "line_used"), active_contracts)
