"""One rule for the colour of a status badge, for every workflow (templates and rows.py).

Refused or ended against the customer: red. Reached its good end or in force: green.
Waiting on someone's investigation or approval: yellow. A notice whose period has ended:
dark. Anything else (a step under way, a neutral end): grey.
"""

BADGE_CLASSES = {
    "rejected": "bg-danger",
    "refused": "bg-danger",
    "declined": "bg-danger",
    "revoked": "bg-danger",
    "broken": "bg-danger",  # a repayment agreement not kept
    "line_set": "bg-success",
    "approved": "bg-success",
    "published": "bg-success",
    "active": "bg-success",
    "kept": "bg-success",  # a repayment agreement paid in full
    "received": "bg-warning text-dark",
    "investigating": "bg-warning text-dark",
    "in_approval": "bg-warning text-dark",
    "proposed": "bg-warning text-dark",
    "ended": "bg-dark",
    # archives: a file on the shelf is in force; handed over or lent, someone must act
    "in_room": "bg-success",
    "returned": "bg-success",
    "handed_over": "bg-warning text-dark",
    "submitted": "bg-warning text-dark",
    "lent": "bg-warning text-dark",
    "issued": "bg-warning text-dark",
    "requested": "bg-warning text-dark",
    "destroyed": "bg-dark",
    # recovery: a written-off debt is still pursued (账销案存); a debt-asset awaits disposal
    "written_off": "bg-dark",
    "held": "bg-warning text-dark",
    "leased": "bg-warning text-dark",
    "disposed": "bg-success",
    "own_use": "bg-success",
}


def badge_class(status) -> str:
    return BADGE_CLASSES.get(str(status), "bg-secondary")
