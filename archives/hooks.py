"""The archive stage listens to the lending stage (registered in ``AppConfig.ready``)."""

from loans import hooks

from .services.files import loan_file_add_iou, loan_file_open


def register() -> None:
    hooks.on_contract_signed(loan_file_open)
    hooks.on_loan_drawn(loan_file_add_iou)
