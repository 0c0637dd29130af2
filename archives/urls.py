from .views import borrowing, control, files, handover, imports

app_name = "archives"
urlpatterns = [
    *files.urlpatterns,
    *handover.urlpatterns,
    *borrowing.urlpatterns,
    *control.urlpatterns,
    *imports.urlpatterns,
]
