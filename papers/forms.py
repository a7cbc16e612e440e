"""Forms for accounts and a reader's bookmarks: validation only, no domain logic."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from papers.models import Bookmark, ReadingList


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
