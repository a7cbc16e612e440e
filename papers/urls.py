from django.urls import path

from papers.views import browse

app_name = "papers"

urlpatterns = [
    path("", browse.paper_list, name="list"),
]
