"""Forms for accounts and a reader's bookmarks: validation only, no domain logic."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import ngettext

from papers.browse.reader import Reader
from papers.models import Bookmark, ReadingList, SavedSearch
from papers.saved_searches import (
    UnreadableQuery,
    canonical_params,
    parse_query,
    state_errors,
)


class SignupForm(UserCreationForm):
    """Username, e-mail (needed to reset a forgotten password) and password twice."""

    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        help_text="Only used to reset your password.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        # A reset link goes to every account with the address, so keep it unique.
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail address already exists."
            )
        return email


class NoteForm(forms.ModelForm):
    class Meta:
        model = Bookmark
        fields = ["note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        labels = {"note": "Private note"}

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()


class StatusForm(forms.ModelForm):
    class Meta:
        model = Bookmark
        fields = ["status"]
        labels = {"status": "Reading status"}


class ReadingListForm(forms.ModelForm):
    """Create or rename one of the instance's user's lists."""

    class Meta:
        model = ReadingList
        fields = ["name"]
        labels = {"name": "List name"}

    def clean_name(self) -> str:
        # The (user, name) constraint involves a field the form lacks, so Django
        # would skip it and the database would raise: check it here instead.
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the list a name.")
        taken = ReadingList.objects.filter(
            user=self.instance.user, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("You already have a list with this name.")
        return name


class BookmarkListsForm(forms.Form):
    """Which of the user's lists a bookmark is in; others' lists are invalid choices."""

    lists = forms.ModelMultipleChoiceField(
        queryset=ReadingList.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Lists",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lists"].queryset = ReadingList.objects.filter(user=user)


class SavedSearchNameForm(forms.ModelForm):
    """Rename one of the instance's user's saved searches."""

    class Meta:
        model = SavedSearch
        fields = ["name"]
        labels = {"name": "Name"}

    def clean_name(self) -> str:
        # As for reading lists: the (user, name) constraint involves a field the
        # form lacks, so it is checked here rather than left to the database.
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the search a name.")
        taken = SavedSearch.objects.filter(
            user=self.instance.user, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                "You already have a saved search with this name."
            )
        return name


class SavedSearchForm(SavedSearchNameForm):
    """Save a list state under a name: the state must read as the list page reads
    it (for `reader`, whose own filters it may hold), and a reader has at most
    SavedSearch.MAX_PER_USER searches."""

    # What the page sends may be longer than what is kept (empty fields of a form
    # submitted without JavaScript); the saved string's own length is checked below.
    query_string = forms.CharField(
        required=False, max_length=8000, widget=forms.HiddenInput
    )

    class Meta(SavedSearchNameForm.Meta):
        fields = ["name", "query_string"]

    def __init__(self, *args, reader: Reader, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reader = reader

    def clean_query_string(self) -> str:
        try:
            params = canonical_params(parse_query(self.cleaned_data["query_string"]))
        except UnreadableQuery as error:
            raise forms.ValidationError(str(error)) from error
        errors = state_errors(params, self.reader)
        if errors:
            raise forms.ValidationError(
                [
                    f"{name}: {message}"
                    for name, messages in errors.items()
                    for message in messages
                ]
            )
        query = params.urlencode()
        if len(query) > SavedSearch._meta.get_field("query_string").max_length:
            raise forms.ValidationError("The search is too long to save.")
        return query

    def clean(self) -> dict:
        cleaned = super().clean()
        count = SavedSearch.objects.filter(user=self.instance.user).count()
        if self.instance.pk is None and count >= SavedSearch.MAX_PER_USER:
            raise forms.ValidationError(
                ngettext(
                    "You have %(count)d saved search, the most you can keep: "
                    "delete it before saving another.",
                    "You have %(count)d saved searches, the most you can keep: "
                    "delete one before saving another.",
                    count,
                )
                % {"count": count}
            )
        return cleaned
