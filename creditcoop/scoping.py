"""One way to fetch an object inside the acting user's scope.

Whatever is out of scope answers exactly like what does not exist: a 404 with a message
the user reads, so nobody learns another cooperative's objects exist.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404


def get_in_scope(queryset: QuerySet, pk, not_found: str):
    """`queryset.get(pk=pk)`, or Http404(not_found) when absent, out of scope or malformed."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404(not_found)
