"""What later stages learn from the lending stage, inside its transactions.

A later stage (archives) may not be imported here, so it registers a callable from its
``AppConfig.ready``; the lending services call every registered callable in the same
transaction as the write, so a failure in one undoes both.
"""

from collections.abc import Callable

_contract_signed: list[Callable] = []
_loan_drawn: list[Callable] = []


def on_contract_signed(fn: Callable) -> Callable:
    """``fn(contract=, actor=)`` runs when a credit contract is signed and its certificate
    issued."""
    if fn not in _contract_signed:
        _contract_signed.append(fn)
    return fn


def on_loan_drawn(fn: Callable) -> Callable:
    """``fn(loan=, actor=)`` runs when a drawdown (借据) is disbursed at the counter."""
    if fn not in _loan_drawn:
        _loan_drawn.append(fn)
    return fn


def contract_signed(*, contract, actor) -> None:
    for fn in _contract_signed:
        fn(contract=contract, actor=actor)


def loan_drawn(*, loan, actor) -> None:
    for fn in _loan_drawn:
        fn(loan=loan, actor=actor)
