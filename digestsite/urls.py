from django.contrib import admin
from django.urls import include, path

from papers.views import accounts, site

urlpatterns = [
    path("favicon.ico", site.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    # Ahead of django.contrib.auth.urls: our log-in completes a pending bookmark.
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    # Also ahead of them: log-out clears the browser's copy of the reader's pages.
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/", accounts.account, name="account"),
    path("accounts/my-data/", accounts.account_data, name="account-data"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("papers.urls")),
]
