"""Dashboard figures of the recovery stage: vintage segment and recovery kind names, and the
register and expiry lists behind the figures."""

from __future__ import annotations

from creditcoop.reporting.hooks import register_drill_down, register_key_labels

from .models import RecoveryEntry, VintageSegment

VINTAGE_METRICS = ("npl_vintage_count", "npl_vintage_balance")


def vintage_labels(keys) -> dict[str, str]:
    """Keys "<scheme_id>:<segment_id>" named "方案 · 划段" (one query)."""
    segments = VintageSegment.objects.select_related("scheme").order_by()
    return {
        f"{s.scheme_id}:{s.pk}": f"{s.scheme.name} · {s.name}"
        for s in segments
        if f"{s.scheme_id}:{s.pk}" in set(keys)
    }


def kind_labels(keys) -> dict[str, str]:
    names = dict(RecoveryEntry.Kind.choices)
    return {k: (names.get(k) or "合计") for k in keys}


def _register_query(cooperative_id, **query):
    if cooperative_id is not None:
        query["cooperative"] = cooperative_id
    return ("recovery:register", (), query)


def register_by_segment(*, metric, key, cooperative_id, village_id):
    _scheme, _, segment = key.partition(":")
    if not segment.isdigit():
        return None
    return _register_query(cooperative_id, segment=segment)


def register_open(*, metric, key, cooperative_id, village_id):
    return _register_query(cooperative_id)


def expiring(*, metric, key, cooperative_id, village_id):
    query = {"days": key}
    if cooperative_id is not None:
        query["coop"] = cooperative_id
    return ("recovery:expiring", (), query)


def register() -> None:
    register_key_labels(VINTAGE_METRICS, vintage_labels)
    register_key_labels(["recovered_amount"], kind_labels)
    register_drill_down(VINTAGE_METRICS, register_by_segment)
    register_drill_down(["npl_register_count", "npl_register_balance"], register_open)
    register_drill_down(["limitation_expiring"], expiring)
