import dataclasses
import datetime

import factory
from django.contrib.auth import get_user_model

from papers.importer.records import DigestRecord, PaperRecord
from papers.models import Appearance, Author, Authorship, Digest, Paper, Tag


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Author {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda tag: tag.name.lower().replace(" ", "-"))


class DigestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Digest
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: datetime.date(2025, 1, 1) + datetime.timedelta(n))


class PaperFactory(factory.django.DjangoModelFactory):
    """A paper; authors=[...] and tags=[...] (names) and days=[dates] link it."""

    class Meta:
        model = Paper
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"2501.{n:05d}")
    arxiv_id = factory.LazyAttribute(lambda paper: paper.key)
    title = factory.Sequence(lambda n: f"Paper number {n}")
    summary = "- A method.\n- A result."
    arxiv_url = factory.LazyAttribute(
        lambda paper: f"https://arxiv.org/abs/{paper.key}"
    )

    @factory.post_generation
    def authors(paper, create, names, **kwargs):
        for position, name in enumerate(names or (), start=1):
            Authorship.objects.create(
                paper=paper, author=AuthorFactory(name=name), position=position
            )

    @factory.post_generation
    def tags(paper, create, names, **kwargs):
        for name in names or ():
            paper.tags.add(TagFactory(name=name))

    @factory.post_generation
    def days(paper, create, dates, **kwargs):
        for position, date in enumerate(dates or (), start=1):
            digest = DigestFactory(date=date)
            Appearance.objects.create(
                paper=paper, digest=digest, date=date, position=position
            )
        if dates:
            Paper.objects.filter(pk=paper.pk).refresh_digest_dates()
            paper.refresh_from_db()


class PaperRecordFactory(factory.Factory):
    """A parsed digest row, as papers.importer.parser produces it."""

    class Meta:
        model = PaperRecord

    key = factory.Sequence(lambda n: f"2503.{n:05d}")
    arxiv_id = factory.SelfAttribute("key")
    title = factory.Sequence(lambda n: f"Parsed paper {n}")
    authors = ("Ada Lovelace", "alan-t")
    summary = "- A method.\n- A result."
    arxiv_url = factory.LazyAttribute(lambda row: f"https://arxiv.org/abs/{row.key}")
    tags = ("Multimodal",)
    github_urls = ()
    huggingface_urls = ()
    line = 5
    position = 1


def digest_record(
    date: datetime.date, papers=(), *, source: str = "digest.md", warnings=()
) -> DigestRecord:
    """A parsed day holding `papers` at positions 1, 2, ... and lines 5, 6, ..."""
    papers = tuple(
        dataclasses.replace(paper, position=position, line=position + 4)
        for position, paper in enumerate(papers, start=1)
    )
    return DigestRecord(
        date=date, papers=papers, source=source, line=1, warnings=tuple(warnings)
    )
