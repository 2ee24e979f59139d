"""PublishedResult.name_key: the published name as the search compares names
(spotcheck.lib.pinyin.name_key), so a search for a common text, compared by the database, folds
fullwidth letters and drops whitespace as the name index does."""

from django.db import migrations, models

from spotcheck.lib.pinyin import name_key


def fill_name_keys(apps, schema_editor):
    PublishedResult = apps.get_model("public", "PublishedResult")
    batch = []
    for record in PublishedResult.objects.only("pk", "entity_name").iterator(chunk_size=2000):
        record.name_key = name_key(record.entity_name)[:400]
        batch.append(record)
        if len(batch) == 2000:
            PublishedResult.objects.bulk_update(batch, ["name_key"])
            batch = []
    PublishedResult.objects.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [("public", "0008_task_page_starts")]

    operations = [
        migrations.AddField(
            model_name="publishedresult",
            name="name_key",
            field=models.CharField(blank=True, max_length=400, verbose_name="名称检索键"),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
    ]
