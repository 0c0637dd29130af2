"""Responsible persons for tests: the three posts filled through the service."""

from __future__ import annotations

from recovery import services
from recovery.models import ResponsiblePerson

Post = ResponsiblePerson.Post


def three_posts(org, record, *, officer=None, actor=None):
    """Officer on investigation (first responsible person), deputy on review, director on
    approval — the usual case within the cooperative's authority."""
    actor = actor or org.director
    officer = officer or org.officer1
    return {
        "officer": services.responsible_person_add(
            actor=actor, record=record, post=Post.INVESTIGATION, is_first=True, staff=officer
        ),
        "deputy": services.responsible_person_add(
            actor=actor, record=record, post=Post.REVIEW, staff=org.deputy
        ),
        "director": services.responsible_person_add(
            actor=actor, record=record, post=Post.APPROVAL, staff=org.director
        ),
    }
