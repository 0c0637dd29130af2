"""Archive pages: borrowing."""

urlpatterns: list = []
