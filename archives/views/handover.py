"""Archive pages: handover."""

urlpatterns: list = []
