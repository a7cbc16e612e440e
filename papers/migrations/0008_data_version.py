import uuid

from django.db import migrations, models


def first_version(apps, schema_editor):
    apps.get_model("papers", "DataVersion").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0007_importer_links_and_bulk_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
                ("changed_at", models.DateTimeField(auto_now=True)),
            ],
            options={"ordering": ["pk"]},
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
