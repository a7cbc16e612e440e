from django.urls import path, re_path

from papers.views import (
    api,
    bookmarks,
    browse,
    citations,
    feeds,
    for_you,
    list_exports,
    pages,
    preferences,
    saved_searches,
    trends,
)

app_name = "papers"

urlpatterns = [
    path("", browse.paper_list, name="list"),
    # The list page pre-filtered to an author or a tag, and author suggestions.
    path("authors/suggest", browse.author_suggest, name="author-suggest"),
    path("authors/<int:pk>/", browse.author_detail, name="author"),
    path("tags/<slug:slug>/", browse.tag_detail, name="tag"),
    # Any list state as a file: the list's, an author's or a tag's query string.
    path("export.<str:fmt>", list_exports.paper_list_export, name="export"),
    path(
        "authors/<int:pk>/export.<str:fmt>",
        list_exports.author_export,
        name="author-export",
    ),
    path(
        "tags/<slug:slug>/export.<str:fmt>", list_exports.tag_export, name="tag-export"
    ),
    # Atom and RSS feeds of the same states (first page).
    path("feed.<str:kind>", feeds.paper_list_feed, name="feed"),
    path("authors/<int:pk>/feed.<str:kind>", feeds.author_feed, name="author-feed"),
    path("tags/<slug:slug>/feed.<str:kind>", feeds.tag_feed, name="tag-feed"),
    # The JSON twin of the list page, and one paper (key as in papers:detail).
    path("api/papers", api.paper_list_api, name="api-list"),
    re_path(
        r"^api/papers/(?P<key>[^/]+(?:/[0-9]{7})?)$",
        api.paper_detail_api,
        name="api-detail",
    ),
    # A key may hold one slash, in old-style arXiv ids ("hep-th/9901001"); no more, so
    # paths below a paper ("papers/<key>/bookmark/") stay free for other views.
    re_path(
        r"^papers/(?P<key>[^/]+(?:/[0-9]{7})?)/$", pages.paper_detail, name="detail"
    ),
    re_path(
        r"^papers/(?P<key>[^/]+(?:/[0-9]{7})?)/cite/$",
        citations.paper_cite,
        name="cite",
    ),
    re_path(
        r"^papers/(?P<key>[^/]+(?:/[0-9]{7})?)/cite\.bib$",
        citations.paper_cite_bibtex,
        name="cite-bibtex",
    ),
    path("days/<str:day>/", pages.digest_day, name="day"),
    path("weeks/<str:week>/", pages.digest_week, name="week"),
    path("months/<str:month>/", pages.digest_month, name="month"),
    path("archive/", pages.archive, name="archive"),
    # Display preferences, remembered per browser and per account.
    path("preferences/list-mode/", preferences.list_mode_set, name="list-mode"),
    path("trends/", trends.trends_page, name="trends"),
    path("for-you/", for_you.for_you_page, name="for-you"),
    # A reader's saved searches (papers/views/saved_searches.py): changes, and
    # opening (which resets the "new" count), are POST-only URLs.
    path("saved/", saved_searches.saved_search_list, name="saved"),
    path("saved/new/", saved_searches.saved_search_create, name="saved-create"),
    path("saved/<int:pk>/open/", saved_searches.saved_search_open, name="saved-open"),
    path(
        "saved/<int:pk>/rename/",
        saved_searches.saved_search_rename,
        name="saved-rename",
    ),
    path(
        "saved/<int:pk>/delete/",
        saved_searches.saved_search_delete,
        name="saved-delete",
    ),
    path(
        "saved/<int:pk>/feed-secret/",
        saved_searches.saved_search_renew_feed,
        name="saved-renew-feed",
    ),
    # Private feeds: the secret token (secrets.token_urlsafe) is the only key.
    re_path(
        r"^saved/(?P<token>[A-Za-z0-9_-]{20,64})/feed\.(?P<kind>[a-z]+)$",
        saved_searches.saved_search_feed,
        name="saved-feed",
    ),
    # A reader's bookmarks (papers/views/bookmarks.py). Changes are POST-only URLs.
    path("bookmarks/", bookmarks.bookmark_list, name="bookmarks"),
    path(
        "bookmarks/export.<str:fmt>",
        bookmarks.bookmarks_export,
        name="bookmarks-export",
    ),
    path("bookmarks/lists/", bookmarks.reading_lists, name="lists"),
    path("bookmarks/lists/new/", bookmarks.reading_list_create, name="list-create"),
    path(
        "bookmarks/lists/<int:list_id>/rename/",
        bookmarks.reading_list_rename,
        name="list-rename",
    ),
    path(
        "bookmarks/lists/<int:list_id>/delete/",
        bookmarks.reading_list_delete,
        name="list-delete",
    ),
    path(
        "bookmarks/paper/<int:paper_id>/toggle/",
        bookmarks.bookmark_toggle,
        name="bookmark-toggle",
    ),
    path(
        "bookmarks/paper/<int:paper_id>/note/",
        bookmarks.bookmark_note,
        name="bookmark-note",
    ),
    path(
        "bookmarks/paper/<int:paper_id>/status/",
        bookmarks.bookmark_status,
        name="bookmark-status",
    ),
    path(
        "bookmarks/paper/<int:paper_id>/lists/",
        bookmarks.bookmark_lists,
        name="bookmark-lists",
    ),
    path(
        "bookmarks/paper/<int:paper_id>/dismiss/",
        bookmarks.dismiss_toggle,
        name="dismiss-toggle",
    ),
]
