"""Entity.name_key and Inspector.name_key: the name as the searches compare names
(spotcheck.lib.pinyin.name_key, as PublishedResult.name_key for the public search), so that the
staff search folds fullwidth letters and digits and drops whitespace as the public one does."""

from django.db import migrations, models

from spotcheck.lib.pinyin import name_key


def fill_name_keys(apps, schema_editor):
    for model, limit in (("Entity", 400), ("Inspector", 100)):
        rows = apps.get_model("registry", model).objects
        batch = []
        for row in rows.only("pk", "name").order_by("pk").iterator(chunk_size=2000):
            row.name_key = name_key(row.name)[:limit]
            batch.append(row)
            if len(batch) == 2000:
                rows.bulk_update(batch, ["name_key"])
                batch = []
        rows.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_history_source'),
    ]

    operations = [
        migrations.AddField(
            model_name='entity',
            name='name_key',
            field=models.CharField(blank=True, max_length=400, verbose_name='名称检索键'),
        ),
        migrations.AddField(
            model_name='inspector',
            name='name_key',
            field=models.CharField(blank=True, max_length=100, verbose_name='姓名检索键'),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
    ]
