"""The one statement a browse request asks the database (papers.browse.lookups),
and the author names the browse index keeps so facets need no query."""

import datetime

import numpy as np
import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from papers.browse.index import FacetIndex
from papers.browse.lookups import Lookups
from papers.models import Author, Paper, Tag
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


def test_every_part_is_answered_by_one_statement():
    first = PaperFactory(tags=["RL", "Vision, 3D"], authors=["Zoë", "Ann"])
    second = PaperFactory(tags=["RL"], authors=["Ann"])
    lookups = Lookups(using="default")
    lookups.numbers(
        "papers",
        Paper.objects.order_by("pk").values(c0=F("pk"), c1=F("pk") * 2),
        width=2,
    )
    lookups.values("tags", Tag.objects.order_by("name").values(c0=F("name")))
    lookups.values(
        "authors",
        Author.objects.order_by("name").values(c0=F("name"), c1=F("pk")),
        width=2,
    )
    lookups.row("latest", Paper.objects.order_by("-pk").values(c0=F("pk")), width=1)
    lookups.numbers("none", Paper.objects.filter(pk__in=[]).values(c0=F("pk")), width=1)
    lookups.values("empty", Tag.objects.filter(name="nope").values(c0=F("name")))
    with CaptureQueriesContext(connection) as queries:
        lookups.run()
    assert len(queries.captured_queries) == 1
    assert lookups["papers"].tolist() == [
        [first.pk, first.pk * 2],
        [second.pk, second.pk * 2],
    ]
    assert lookups["tags"] == ["RL", "Vision, 3D"]  # text with commas survives
    ann, zoe = Author.objects.order_by("name")
    assert lookups["authors"] == [["Ann", ann.pk], ["Zoë", zoe.pk]]
    assert lookups["latest"] == [second.pk]
    assert lookups["none"].shape == (0, 1)
    assert lookups["empty"] == []
    assert lookups.get("never asked", "default") == "default"


def test_a_part_added_after_the_statement_ran_is_refused():
    lookups = Lookups(using="default")
    lookups.run()
    with pytest.raises(RuntimeError):
        lookups.values("late", Tag.objects.values(c0=F("name")))


def test_no_part_asks_nothing():
    lookups = Lookups(using="default")
    with CaptureQueriesContext(connection) as queries:
        lookups.run()
    assert not queries.captured_queries


def test_the_index_labels_every_author_by_value():
    names = ["Zoë Ångström", "李雷", "O'Brien, Jr.", "A" * 200, "Ann"]
    for n, name in enumerate(names):
        PaperFactory(authors=[name, "Shared"], days=[datetime.date(2025, 3, 1 + n)])
    index = FacetIndex.build()
    by_id = dict(Author.objects.values_list("pk", "name"))
    labelled = {
        int(index.author_ids[value]): index.author_names[value]
        for value in range(len(index.author_ids))
    }
    assert labelled == by_id
    assert index.author_names.nbytes > sum(len(name) for name in names)


def test_an_author_deleted_after_the_links_were_read_has_no_label():
    PaperFactory(authors=["Gone"])
    from papers.browse.index import _PackedNames

    gone = Author.objects.get(name="Gone")
    names = _PackedNames.of(
        np.array([gone.pk, gone.pk + 1000]),
        Author.objects.values(c0=F("pk"), c1=F("name")),
        using="default",
    )
    assert names[0] == "Gone"
    assert names[1] is None
