from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnly, ReadOnlyAdmin

# --- borrowing (借阅) -----------------------------------------------------------------------
from .models import ApprovalRule, Borrowing, BorrowingLine


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    """The approval matrix: borrower type × method × section → who approves."""

    list_display = ["borrower_type", "method", "section", "authority"]
    list_filter = ["borrower_type", "method", "authority"]
    list_editable = ["authority"]


class BorrowingLineInline(ReadOnly, admin.TabularInline):
    model = BorrowingLine
    fields = ["file", "out", "returned_complete", "missing"]
    readonly_fields = fields
    extra = 0


@admin.register(Borrowing)
class BorrowingAdmin(ReadOnlyAdmin):
    list_display = ["number", "borrower_name", "borrower_type", "method", "status", "due_date"]
    list_filter = ["status", "borrower_type", "method"]
    search_fields = ["number", "borrower_name", "organisation"]
    inlines = [BorrowingLineInline]
