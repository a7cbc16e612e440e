"""The data version: a token in the database that changes with the browsable data.

Every request reads it (one small query) and compares it with the token its process's
browse index was built for, so several workers and several servers on one database
agree on when to rebuild. Writers bump it inside their own transaction: readers see
the new token exactly when they can see the new data, and a rollback restores the old
token together with the old data.

An import also holds a lease on the version row while it runs (papers.browse.lease):
workers then keep serving the index they have until it ends.

Who bumps: the importer (one call per write transaction), the admin (every logged
addition, change and deletion), `PaperQuerySet.refresh_digest_dates`, and the model
signals connected in `papers.apps` for single-object writes through the ORM
(`save()`, `delete()`, tag `add()`), which bulk writes bypass, hence the explicit
calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Now

from papers.browse.lease import lease_expiry, lease_held

VERSION_PK = 1


@dataclass(frozen=True)
class DataState:
    """The data version and whether an import holds its lease (papers.browse.lease)."""

    token: str
    importing: bool = False

    def serves(self, version: str) -> bool:
        """Whether a browse index built at `version` may answer now: the data did not
        change since, or an import is running and its papers show once it ends."""
        return version == self.token or self.importing


def data_state_row(*, using: str = DEFAULT_DB_ALIAS) -> QuerySet:
    """The version row as `values(c0=token, c1=importing)`: every request reads it,
    with its other lookups (papers.browse.lookups)."""
    from papers.models import DataVersion

    return (
        DataVersion.objects.using(using)
        .filter(pk=VERSION_PK)
        .annotate(
            importing=ExpressionWrapper(
                Q(importing_until__gt=Now()), output_field=BooleanField()
            )
        )
        .values(c0=F("token"), c1=F("importing"))
    )


def data_state(row: Sequence | None) -> DataState:
    """The state a `data_state_row()` row says (no row: a database never written)."""
    if row is None:
        return DataState(token="")
    token, importing = row
    return DataState(token=token or "", importing=bool(importing))


def current_state(*, using: str = DEFAULT_DB_ALIAS) -> DataState:
    """The token and the lease, in one query."""
    return data_state(data_state_row(using=using).values_list("c0", "c1").first())


def current_version(*, using: str = DEFAULT_DB_ALIAS) -> str:
    from papers.models import DataVersion

    token = (
        DataVersion.objects.using(using)
        .filter(pk=VERSION_PK)
        .values_list("token", flat=True)
        .first()
    )
    return token or ""


def bump_data_version(*, using: str = DEFAULT_DB_ALIAS) -> str:
    """Mark the browsable data as changed: every browse index built before is stale.
    Returns the new version."""
    from papers.models import DataVersion

    token = uuid.uuid4().hex
    changes = {"token": token}
    if lease_held():  # an import's batch: keep its lease alive while it writes
        changes["importing_until"] = lease_expiry()
    updated = DataVersion.objects.using(using).filter(pk=VERSION_PK).update(**changes)
    if not updated:  # a database emptied by hand (or by a test's flush)
        DataVersion.objects.using(using).update_or_create(
            pk=VERSION_PK, defaults={"token": token}
        )
    return token


def bump_on_change(sender, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Signal receiver for writes to the models the browse index reads."""
    if kwargs.get("raw"):  # fixtures being loaded: the loader bumps once
        return
    if kwargs.get("action", "post_").startswith("pre_"):  # m2m_changed fires twice
        return
    bump_data_version(using=using)
