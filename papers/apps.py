import importlib

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import m2m_changed, post_delete, post_save


class PapersConfig(AppConfig):
    name = "papers"

    def ready(self) -> None:
        # Single-object writes to what the browse index reads mark the data as
        # changed (papers.browse.version); bulk writes (the importer) bump explicitly.
        # No delete receivers on the link tables: they would turn the importer's
        # bulk deletes into one query per row. Deleting a paper, author, tag or day
        # is caught here; the links go with it.
        from papers.browse.version import bump_on_change
        from papers.models import Appearance, Author, Authorship, Digest, Paper, Tag

        for model in (Paper, Author, Tag, Authorship, Appearance, Digest):
            post_save.connect(bump_on_change, sender=model, dispatch_uid=model.__name__)
        for model in (Paper, Author, Tag, Digest):
            post_delete.connect(
                bump_on_change, sender=model, dispatch_uid=f"{model.__name__}-delete"
            )
        m2m_changed.connect(
            bump_on_change, sender=Paper.tags.through, dispatch_uid="paper-tags"
        )
        if any(connection.vendor == "postgresql" for connection in connections.all()):
            # SearchRank imports django.contrib.postgres's model fields the first time
            # it is built: 4 ms of each worker's first search, paid here instead.
            importlib.import_module("django.contrib.postgres.fields")
