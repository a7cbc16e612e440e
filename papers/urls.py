from django.urls import path, re_path

from papers.views import browse, pages

app_name = "papers"

urlpatterns = [
    path("", browse.paper_list, name="list"),
    # A key may hold one slash, in old-style arXiv ids ("hep-th/9901001"); no more, so
    # paths below a paper ("papers/<key>/bookmark/") stay free for other views.
    re_path(
        r"^papers/(?P<key>[^/]+(?:/[0-9]{7})?)/$", pages.paper_detail, name="detail"
    ),
    path("days/<str:day>/", pages.digest_day, name="day"),
    path("weeks/<str:week>/", pages.digest_week, name="week"),
    path("months/<str:month>/", pages.digest_month, name="month"),
    path("archive/", pages.archive, name="archive"),
]
