"""Every named URL and every template must be exercised by at least one test.

Recorded while the suite runs (a middleware notes each resolved view, Django's test
instrumentation notes each rendered template) and checked when the whole suite ran.
"""

from __future__ import annotations

from pathlib import Path

seen_views: set[str] = set()
seen_templates: set[str] = set()


class ViewRecorder:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name:
            seen_views.add(match.view_name)
        return response


def record_template(sender, template, context, **kwargs):
    if template.name:
        seen_templates.add(template.name)


def all_view_names() -> set[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return names


def all_templates(root: Path) -> set[str]:
    base = root / "templates"
    return {str(p.relative_to(base)) for p in base.rglob("*.html")}


def missing(root: Path) -> tuple[list[str], list[str]]:
    views = sorted(all_view_names() - seen_views)
    templates = sorted(all_templates(root) - seen_templates)
    return views, templates
