# A task's page of published results as one range of one index: PublishedItem keeps copies of
# its record's publication date and of whether the record is current (not superseded).

import datetime

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_records(apps, schema_editor):
    PublishedItem = apps.get_model("public", "PublishedItem")
    PublishedResult = apps.get_model("public", "PublishedResult")
    record = PublishedResult.objects.filter(pk=OuterRef("published_id"))
    PublishedItem.objects.update(published_on=Subquery(record.values("published_on")[:1]))
    PublishedItem.objects.filter(published__superseded_at__isnull=False).update(current=False)


class Migration(migrations.Migration):

    dependencies = [
        ("public", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="publisheditem",
            name="current",
            field=models.BooleanField(default=True, verbose_name="现行公示"),
        ),
        migrations.AddField(
            model_name="publisheditem",
            name="published_on",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="公示日期"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_from_records, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="publisheditem",
            index=models.Index(
                fields=["plan_item", "-published_on", "-published", "current"],
                name="publisheditem_task_pages",
            ),
        ),
    ]
