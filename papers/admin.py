"""The admins' editing screens, plus a page to upload digest files.

Screens only: what must stay true after a hand edit is kept by model and manager
methods in papers.models, which the admin calls. Saving a paper records the changed
fields in `Paper.edited_fields`, which imports leave alone (`Paper.record_hand_edits`);
any change to a paper's digest days refreshes its denormalised digest dates
(`Appearance.objects.save_by_hand`, `delete_keeping_dates`). Authorships and
appearances are edited through the paper's inlines; their own lists are read-only, and
deleting there keeps both rules too.
"""

from __future__ import annotations

import calendar
import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import ngettext

from papers.browse.version import bump_data_version
from papers.importer.jobs import enqueue_import
from papers.models import (
    Appearance,
    Author,
    Authorship,
    Bookmark,
    Digest,
    Dismissal,
    ImportJob,
    Paper,
    ReaderProfile,
    ReadingList,
    SavedSearch,
    Tag,
)

# The upload page takes what imports in a few seconds: 5 MB in all (a digest day is
# ~100 KB; 5 MB is ~6,000 papers), held in the database until its job has run.
# Larger archives go through `manage.py import_digest`, which reads from disk.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SHORT_AUTHORS = 3
# A running job whose row has not moved for this long was lost with its process.
STALLED_AFTER = datetime.timedelta(minutes=5)


class ChangesCountsAdmin(admin.ModelAdmin):
    """An admin whose changes alter what the browse pages count.

    The admin logs every successful addition, change and deletion; that is where the
    data version moves, so every worker's browse index (papers.browse) is rebuilt.
    """

    def log_addition(self, request, obj, message):
        bump_data_version()
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        bump_data_version()
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        bump_data_version()
        return super().log_deletions(request, queryset)


# Filters ---------------------------------------------------------------------------


class YesNoFilter(admin.SimpleListFilter):
    """Filters on a boolean PaperQuerySet method such as `with_code(flag)`."""

    method = ""

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        return getattr(queryset, self.method)(self.value() == "yes")


class HasCodeFilter(YesNoFilter):
    title = "has code"
    parameter_name = "has_code"
    method = "with_code"


class HasHuggingFaceFilter(YesNoFilter):
    title = "has Hugging Face links"
    parameter_name = "has_hf"
    method = "with_hf"


class DigestMonthFilter(admin.SimpleListFilter):
    """Papers with a digest day in the month, newest months first."""

    title = "digest month"
    parameter_name = "digest_month"

    def lookups(self, request, model_admin):
        months = Appearance.objects.dates("date", "month", order="DESC")
        return [(month.strftime("%Y-%m"), month.strftime("%B %Y")) for month in months]

    def queryset(self, request, queryset):
        try:
            start = datetime.datetime.strptime(self.value() or "", "%Y-%m").date()
        except ValueError:
            return queryset
        last_day = calendar.monthrange(start.year, start.month)[1]
        return queryset.in_digests_between(start, start.replace(day=last_day))


class UsedFilter(admin.SimpleListFilter):
    """Authors or tags with or without papers (orphans are left by hand edits)."""

    title = "has papers"
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        return queryset.filter(papers__isnull=self.value() == "no").distinct()


# Papers ----------------------------------------------------------------------------


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    fields = ["position", "author"]
    autocomplete_fields = ["author"]
    ordering = ["position"]
    extra = 0


class AppearanceInline(admin.TabularInline):
    model = Appearance
    verbose_name = "digest day"
    verbose_name_plural = "digest days"
    fields = ["digest", "position"]
    autocomplete_fields = ["digest"]
    ordering = ["date"]
    extra = 0


@admin.register(Paper)
class PaperAdmin(ChangesCountsAdmin):
    list_display = [
        "title",
        "arxiv_id",
        "short_authors",
        "tag_names",
        "last_digest_date",
        "code",
        "hugging_face",
        "bookmark_count",
    ]
    list_filter = [HasCodeFilter, HasHuggingFaceFilter, DigestMonthFilter, "tags"]
    search_fields = ["title", "=key", "^arxiv_id", "authorships__author__name"]
    date_hierarchy = "last_digest_date"
    autocomplete_fields = ["tags"]
    inlines = [AuthorshipInline, AppearanceInline]
    readonly_fields = [
        "has_code",
        "has_hf",
        "first_digest_date",
        "last_digest_date",
        "edited_fields",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["key", "arxiv_id", "title", "summary", "tags"]}),
        ("Links", {"fields": ["arxiv_url", "github_urls", "huggingface_urls"]}),
        (
            "Kept by the importer",
            {
                "fields": [
                    "has_code",
                    "has_hf",
                    "first_digest_date",
                    "last_digest_date",
                    "edited_fields",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]
    actions = ["forget_edits"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Paper]:
        return (
            super()
            .get_queryset(request)
            .annotate(bookmark_count=Count("bookmarks", distinct=True))
            # Annotating drops the default order; autocomplete pages need one.
            .order_by(*Paper._meta.ordering)
            .prefetch_related(
                Prefetch(
                    "authorships",
                    queryset=Authorship.objects.in_order(),
                ),
                "tags",
            )
        )

    @admin.display(description="authors")
    def short_authors(self, paper: Paper) -> str:
        names = [authorship.author.name for authorship in paper.authorships.all()]
        if len(names) > SHORT_AUTHORS:
            return ", ".join(names[:SHORT_AUTHORS]) + " et al."
        return ", ".join(names)

    @admin.display(description="tags")
    def tag_names(self, paper: Paper) -> str:
        return ", ".join(tag.name for tag in paper.tags.all())

    @admin.display(description="code", boolean=True, ordering="has_code")
    def code(self, paper: Paper) -> bool:
        return paper.has_code

    @admin.display(description="HF", boolean=True, ordering="has_hf")
    def hugging_face(self, paper: Paper) -> bool:
        return paper.has_hf

    @admin.display(description="bookmarks", ordering="bookmark_count")
    def bookmark_count(self, paper: Paper) -> str:
        """How many readers bookmarked the paper, linking to those bookmarks."""
        if not paper.bookmark_count:
            return "0"
        url = reverse("admin:papers_bookmark_changelist")
        return format_html(
            '<a href="{}?paper__id__exact={}">{}</a>',
            url,
            paper.pk,
            paper.bookmark_count,
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Appearance:
            return super().save_formset(request, form, formset, change)
        appearances = formset.save(commit=False)
        Appearance.objects.save_by_hand(appearances, formset.deleted_objects)
        formset.save_m2m()
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        authors_changed = any(
            formset.model is Authorship and formset.has_changed()
            for formset in formsets
        )
        form.instance.record_hand_edits(
            [*form.changed_data, *(["authors"] if authors_changed else [])]
        )

    @admin.action(description="Forget hand edits (let imports update these papers)")
    def forget_edits(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        count = Paper.objects.filter(pk__in=queryset.values("pk")).forget_edits()
        self.message_user(
            request,
            ngettext(
                "%(count)d paper will follow the digests again.",
                "%(count)d papers will follow the digests again.",
                count,
            )
            % {"count": count},
        )


@admin.register(Author)
class AuthorAdmin(ChangesCountsAdmin):
    list_display = ["name", "paper_count"]
    list_filter = [UsedFilter]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Author]:
        return (
            super()
            .get_queryset(request)
            .annotate(paper_count=Count("authorships"))
            .order_by(*Author._meta.ordering)
        )

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, author: Author) -> int:
        return author.paper_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            obj.renamed_by_hand()


@admin.register(Tag)
class TagAdmin(ChangesCountsAdmin):
    list_display = ["name", "slug", "paper_count"]
    list_filter = [UsedFilter]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return (
            super()
            .get_queryset(request)
            .annotate(paper_count=Count("papers"))
            .order_by(*Tag._meta.ordering)
        )

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, tag: Tag) -> int:
        return tag.paper_count


# Digest days and the upload page ----------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking several files (Django docs: "Uploading multiple files")."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".md,.markdown,.json"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:
                # The docs' version accepts an empty selection.
                raise forms.ValidationError(
                    self.error_messages["required"], code="required"
                )
            return [single_clean(item, initial) for item in data]
        return [single_clean(data, initial)]


class DigestUploadForm(forms.Form):
    files = MultipleFileField(
        label="Digest files",
        help_text=(
            "One or more digest days: a markdown table (.md) or a JSON daily result "
            "(.json), UTF-8 encoded."
        ),
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Dry run",
        help_text="Report what the import would change, then save nothing.",
    )
    overwrite = forms.BooleanField(
        required=False,
        label="Overwrite",
        help_text=(
            "Let the files' title, summary, arXiv link and authors replace the stored "
            "ones, including fields edited by hand."
        ),
    )

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        total = sum(upload.size for upload in files)
        if total > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "These files hold %(size).1f MB; the upload page imports up to "
                "%(limit)d MB at once. Upload fewer files, or import large archives "
                "with `manage.py import_digest`.",
                code="too_large",
                params={"size": total / 1024 / 1024, "limit": MAX_UPLOAD_BYTES >> 20},
            )
        return files


@admin.register(Digest)
class DigestAdmin(ChangesCountsAdmin):
    list_display = ["date", "paper_count", "source", "imported_at"]
    list_filter = [("date", admin.DateFieldListFilter)]
    search_fields = ["date", "source"]
    date_hierarchy = "date"
    ordering = ["-date"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Digest]:
        return super().get_queryset(request).annotate(paper_count=Count("appearances"))

    def get_readonly_fields(self, request, obj=None):
        # The appearances copy the date: changing it would leave them stale.
        return ["date", "imported_at"] if obj else ["imported_at"]

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, digest: Digest) -> int:
        return digest.paper_count

    def delete_model(self, request, obj):
        self.delete_queryset(request, Digest.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        queryset.delete_keeping_dates()

    def get_urls(self) -> list[URLPattern]:
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="papers_digest_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Store the uploaded files as an import job and show the job's page; the
        import runs in the background (papers.importer.jobs)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = DigestUploadForm(request.POST, request.FILES)
            if form.is_valid():
                job = ImportJob.objects.create_for_upload(
                    user=request.user,
                    uploads=[
                        (upload.name, upload.read())
                        for upload in form.cleaned_data["files"]
                    ],
                    dry_run=form.cleaned_data["dry_run"],
                    overwrite=form.cleaned_data["overwrite"],
                )
                enqueue_import(job)
                # 303: the job page is fetched with GET, and reloading it never
                # uploads the files again.
                return HttpResponseRedirect(
                    reverse("admin:papers_importjob_change", args=[job.pk]),
                    status=303,
                )
        else:
            form = DigestUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload digest files",
            "form": form,
            "recent_jobs": ImportJob.objects.select_related("created_by")[:5],
        }
        return TemplateResponse(request, "admin/papers/digest/upload.html", context)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Uploads imported in the background; a job's page follows its progress."""

    list_display = ["__str__", "status", "created_by", "created_at", "summary"]
    list_filter = ["status", "dry_run"]
    search_fields = ["summary", "created_by__username"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]

    # Jobs are made by the upload page and written by their task only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # Whoever may upload digests may follow the uploads.
        return super().has_view_permission(request, obj) or request.user.has_perm(
            "papers.add_digest"
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The job's progress page; with htmx, only its #progress part (polled)."""
        job = self.get_object(request, object_id)
        if job is None:
            raise Http404("No such import job.")
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(job),
            "job": job,
            "stalled_minutes": STALLED_AFTER.seconds // 60,
            "stalled": job.stalled(STALLED_AFTER),
            "can_upload": request.user.has_perm("papers.add_digest"),
        }
        template = "admin/papers/importjob/job.html"
        if request.htmx and not request.htmx.history_restore_request:
            template += "#progress"
        response = TemplateResponse(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


@admin.register(Appearance)
class AppearanceAdmin(ChangesCountsAdmin):
    """Read-only: appearances are edited on their paper, which keeps its dates."""

    list_display = ["date", "position", "paper"]
    list_filter = [("date", admin.DateFieldListFilter)]
    search_fields = ["paper__title", "=paper__key"]
    date_hierarchy = "date"
    list_select_related = ["paper"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting stays allowed: deleting a paper or a day deletes its appearances.
    def delete_model(self, request, obj):
        self.delete_queryset(request, Appearance.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        queryset.delete_keeping_dates()


@admin.register(Authorship)
class AuthorshipAdmin(ChangesCountsAdmin):
    """Read-only: authorships are edited on their paper, which records the edit."""

    list_display = ["author", "position", "paper"]
    list_filter = ["position"]
    search_fields = ["author__name", "paper__title", "=paper__key"]
    list_select_related = ["author", "paper"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting stays allowed: deleting a paper or an author deletes authorships.
    def delete_model(self, request, obj):
        self.delete_queryset(request, Authorship.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        queryset.delete_by_hand()


# Readers ---------------------------------------------------------------------------


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin):
    list_display = ["paper", "user", "status", "created_at"]
    list_filter = ["status", "user"]
    search_fields = ["user__username", "paper__title", "=paper__key", "note"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["user", "paper"]
    list_select_related = ["user", "paper"]


@admin.register(ReadingList)
class ReadingListAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "bookmark_count", "created_at"]
    list_filter = ["user"]
    search_fields = ["name", "user__username"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["user", "bookmarks"]
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReadingList]:
        return super().get_queryset(request).annotate(bookmark_count=Count("bookmarks"))

    @admin.display(description="bookmarks", ordering="bookmark_count")
    def bookmark_count(self, reading_list: ReadingList) -> int:
        return reading_list.bookmark_count


@admin.register(Dismissal)
class DismissalAdmin(admin.ModelAdmin):
    list_display = ["paper", "user", "created_at"]
    list_filter = ["user"]
    search_fields = ["user__username", "paper__title", "=paper__key"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["user", "paper"]
    list_select_related = ["user", "paper"]


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "last_seen_at", "previous_visit_at", "list_mode"]
    list_filter = [("last_seen_at", admin.DateFieldListFilter), "list_mode"]
    search_fields = ["user__username"]
    date_hierarchy = "last_seen_at"
    autocomplete_fields = ["user"]
    list_select_related = ["user"]


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """Readers' saved searches, to look at (support, abuse); readers change them on
    their own pages. The feed secret is left out: an admin has no use for it."""

    list_display = ["name", "user", "query_string", "created_at", "last_opened_at"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["name", "user__username", "query_string"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = ["user", "name", "query_string", "created_at", "last_opened_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
