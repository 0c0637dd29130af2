from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

admin.site.site_header = "阳光信贷 系统管理"
admin.site.site_title = "阳光信贷"
admin.site.index_title = "配置与基础数据"

handler400 = "creditcoop.errorpages.bad_request"
handler403 = "creditcoop.errorpages.permission_denied"
handler404 = "creditcoop.errorpages.page_not_found"
handler500 = "creditcoop.errorpages.server_error"

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("audit/", views.audit_list, name="audit_list"),
    path("exports/", include("creditcoop.reporting.export_urls")),
    path("inbox/", views.notification_list, name="notification_list"),
    path("inbox/read-all/", views.notification_read_all, name="notification_read_all"),
    path("admin/", admin.site.urls),
    path("villages/", include("villages.urls")),
    path("ratings/", include("ratings.urls")),
    path("notices/", include("ratings.notices.urls")),
    path("loans/", include("loans.urls")),
    path("hall/", include("creditcoop.servicehall.urls")),
    path("recovery/", include("recovery.urls")),
    path("archives/", include("archives.urls")),
    path("dashboard/", include("creditcoop.reporting.dashboard_urls")),
    path("p/", include("ratings.notices.public_urls")),
    path("p/", include("villages.public_urls")),
]
