"""Archive pages: imports."""

urlpatterns: list = []
