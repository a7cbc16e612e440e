"""The import's history (papers.importer.history) and cheaper link tables.

Authorship and Appearance lose the single-column indexes Django adds to foreign keys:
each is the first column of a composite index already (authorship_unique,
authorship_author, appearance_unique, appearance_paper), and every index costs each
imported row. The indexes are dropped by name rather than by AlterField, which on
SQLite rebuilds the table and would drop its search triggers with it.
"""

import django.db.models.deletion
from django.db import migrations, models


# Each foreign key's own index, as Django named it, and what covers it instead.
REDUNDANT_INDEXES = [
    ("papers_appearance_digest_id_1616fc10", "papers_appearance", "digest_id"),
    ("papers_appearance_paper_id_767d13c2", "papers_appearance", "paper_id"),
    ("papers_authorship_author_id_ac7ce411", "papers_authorship", "author_id"),
    ("papers_authorship_paper_id_e204c1b4", "papers_authorship", "paper_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0011_import_job"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportedFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("name", models.CharField(max_length=500, unique=True)),
                ("sha256", models.CharField(max_length=64)),
                ("epoch", models.PositiveIntegerField()),
                ("days", models.JSONField(default=list)),
                ("warnings", models.JSONField(default=list)),
                ("imported_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="ImportEpoch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("number", models.PositiveIntegerField(default=0)),
                ("token", models.CharField(blank=True, max_length=32)),
            ],
            options={
                "ordering": ["pk"],
            },
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in REDUNDANT_INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="appearance",
                    name="digest",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="appearances",
                        to="papers.digest",
                    ),
                ),
                migrations.AlterField(
                    model_name="appearance",
                    name="paper",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="appearances",
                        to="papers.paper",
                    ),
                ),
                migrations.AlterField(
                    model_name="authorship",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="authorships",
                        to="papers.author",
                    ),
                ),
                migrations.AlterField(
                    model_name="authorship",
                    name="paper",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="authorships",
                        to="papers.paper",
                    ),
                ),
            ],
        ),
    ]
