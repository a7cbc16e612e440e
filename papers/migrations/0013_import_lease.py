from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0012_import_speed"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataversion",
            name="importing_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
