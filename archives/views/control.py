"""Archive pages: control."""

urlpatterns: list = []
