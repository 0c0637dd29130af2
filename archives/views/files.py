"""Archive pages: files."""

urlpatterns: list = []
