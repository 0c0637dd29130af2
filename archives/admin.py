from django.contrib import admin

# --- adata: the stock import ----------------------------------------------------------------
from .models import StockImport


@admin.register(StockImport)
class StockImportAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "cooperative",
        "uploaded_by",
        "status",
        "error_count",
        "created_at",
    ]
    list_filter = ["status", "cooperative"]
    readonly_fields = ["token", "rows", "created_at"]
