from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from creditcoop.admin import AuditedAdmin
from creditcoop.audit import audit_record, diff, snapshot
from creditcoop.errors import DomainError

from . import services
from .models import (
    ApplicationEvent,
    CreditApplication,
    RatingCampaign,
    RatingStepLimit,
    Scorecard,
    ScoreIndicator,
    ScoreOption,
)


class ScoreIndicatorInline(admin.TabularInline):
    model = ScoreIndicator
    extra = 0
    fields = ["order", "code", "name", "kind", "unit", "options_link"]
    readonly_fields = ["options_link"]
    show_change_link = True

    @admin.display(description=_("评分选项"))
    def options_link(self, obj):
        if not obj.pk:
            return "—"
        return "；".join(str(o) for o in obj.options.all())

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.editable

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.editable

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.editable


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    """Published versions are read-only: “修改” makes a new draft version to edit."""

    list_display = [
        "version",
        "name",
        "status",
        "aaa_min",
        "aa_min",
        "a_min",
        "aaa_max_line",
        "aa_max_line",
        "a_max_line",
        "income_cap_ratio",
        "max_term_months",
        "published_at",
    ]
    list_filter = ["status"]
    inlines = [ScoreIndicatorInline]
    readonly_fields = ["version", "status", "created_by", "published_at", "actions_links"]
    fields = [
        "name",
        "version",
        "status",
        "aaa_min",
        "aa_min",
        "a_min",
        "aaa_max_line",
        "aa_max_line",
        "a_max_line",
        "income_cap_ratio",
        "max_term_months",
        "note",
        "created_by",
        "published_at",
        "actions_links",
    ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.editable:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("操作"))
    def actions_links(self, obj):
        if not obj.pk:
            return "—"
        # Buttons of the change form (which carries the CSRF token), posted elsewhere:
        # both actions write, so they never answer a plain link.
        buttons = [
            format_html(
                '<button type="submit" class="button" formmethod="post" formaction="{}" '
                'formnovalidate name="_new_version">{}</button>',
                reverse("admin:ratings_scorecard_new_version", args=[obj.pk]),
                _("复制为新版本进行修改"),
            )
        ]
        if obj.editable:
            buttons.append(
                format_html(
                    '<button type="submit" class="button" formmethod="post" formaction="{}" '
                    'formnovalidate name="_publish">{}</button>',
                    reverse("admin:ratings_scorecard_publish", args=[obj.pk]),
                    _("启用此版本（未保存的修改不会保存）"),
                )
            )
        return format_html(" ".join(["{}"] * len(buttons)), *buttons)

    def get_urls(self):
        return [
            path(
                "<int:pk>/new-version/",
                self.admin_site.admin_view(self.new_version_view),
                name="ratings_scorecard_new_version",
            ),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="ratings_scorecard_publish",
            ),
            *super().get_urls(),
        ]

    def new_version_view(self, request, pk):
        source = get_object_or_404(Scorecard, pk=pk)
        if request.method != "POST":
            return redirect("admin:ratings_scorecard_change", source.pk)
        if not self.has_add_permission(request):
            messages.error(request, _("您没有权限。"))
            return redirect("admin:ratings_scorecard_changelist")
        copy = services.scorecard_new_version(scorecard=source, actor=request.user)
        messages.success(request, _("已创建第%s版草稿，修改后点“启用此版本”。") % copy.version)
        return redirect("admin:ratings_scorecard_change", copy.pk)

    def publish_view(self, request, pk):
        sc = get_object_or_404(Scorecard, pk=pk)
        if request.method != "POST":
            return redirect("admin:ratings_scorecard_change", sc.pk)
        if not super().has_change_permission(request, sc):
            messages.error(request, _("您没有权限。"))
        else:
            try:
                services.scorecard_publish(scorecard=sc, actor=request.user)
            except DomainError as e:
                messages.error(request, str(e))
                return redirect("admin:ratings_scorecard_change", sc.pk)
            messages.success(request, _("第%s版已启用；此前的评级仍保留其原版本。") % sc.version)
        return redirect("admin:ratings_scorecard_changelist")

    def save_model(self, request, obj, form, change):
        if not change:
            from django.db.models import Max

            obj.version = (Scorecard.objects.aggregate(m=Max("version"))["m"] or 0) + 1
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="ratings.scorecard_edit",
            obj=obj,
            changes={"fields": list(form.changed_data)},
        )


class ScoreOptionInline(admin.TabularInline):
    model = ScoreOption
    extra = 1
    fields = ["order", "label", "points", "low", "high"]

    def _editable(self, obj):
        return obj is None or obj.scorecard.editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj)


@admin.register(ScoreIndicator)
class ScoreIndicatorAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["scorecard", "order", "name", "kind"]
    list_filter = ["scorecard"]
    inlines = [ScoreOptionInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.scorecard.editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.scorecard.editable:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scorecard":
            kwargs["queryset"] = Scorecard.objects.filter(status=Scorecard.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RatingCampaign)
class RatingCampaignAdmin(admin.ModelAdmin):
    list_display = ["village", "year", "rating_date", "credit_date", "status"]
    list_filter = ["status", "year"]
    search_fields = ["village__name"]
    raw_id_fields = ["village", "officer", "created_by"]

    def has_change_permission(self, request, obj=None):
        return False  # changed through the rating pages, which keep the history

    def has_add_permission(self, request):
        return False


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "from_status", "to_status", "changes", "reason"]
    readonly_fields = fields


@admin.register(CreditApplication)
class CreditApplicationAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the rating pages and their services."""

    list_display = ["applicant", "village", "status", "grade", "final_line", "term_months"]
    list_filter = ["status", "grade"]
    search_fields = ["applicant__name", "applicant__id_number"]
    inlines = [ApplicationEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RatingStepLimit)
class RatingStepLimitAdmin(admin.ModelAdmin):
    """Time limit and responsible person per rating step (defaults in the help texts)."""

    list_display = ["step", "working_days", "responsible_role"]
    list_editable = ["working_days", "responsible_role"]
    fields = ["step", "working_days", "responsible_role"]

    def get_readonly_fields(self, request, obj=None):
        return ["step"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        fields = ["step", "working_days", "responsible_role"]
        before = snapshot(RatingStepLimit.objects.get(pk=obj.pk), fields) if change else {}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="ratings.step_limit_change" if change else "ratings.step_limit_create",
            obj=obj,
            changes=diff(before, snapshot(obj, fields)),
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action="ratings.step_limit_delete",
            obj=obj,
            changes={"step": obj.step, "working_days": obj.working_days},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
