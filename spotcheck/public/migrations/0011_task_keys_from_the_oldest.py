# The stored keys of the tasks' pages (TaskPage) counted from each task's oldest row instead of
# from its newest, so that a publication, which adds the newest rows, moves none of them:
# numbered again for the results published so far.

from django.db import migrations, models

from spotcheck.public.models import rebuild_task_pages


def number_from_the_oldest(apps, schema_editor):
    PublishedItem = apps.get_model("public", "PublishedItem")
    TaskPage = apps.get_model("public", "TaskPage")
    tasks = PublishedItem.objects.values_list("plan_item", flat=True).distinct().order_by()
    rebuild_task_pages(list(tasks), items=PublishedItem, pages=TaskPage)


def forget_the_keys(apps, schema_editor):
    # the keys counted from the newest are not made again: pages are then counted from the first
    # row (by OFFSET), as without any stored key
    apps.get_model("public", "TaskPage").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('public', '0010_search_pages'),
    ]

    operations = [
        migrations.AlterField(
            model_name='taskpage',
            name='after_id',
            field=models.BigIntegerField(verbose_name='该条记录的公示记录'),
        ),
        migrations.AlterField(
            model_name='taskpage',
            name='after_on',
            field=models.DateField(verbose_name='该条记录的公示日期'),
        ),
        migrations.AlterField(
            model_name='taskpage',
            name='number',
            field=models.PositiveIntegerField(verbose_name='序号（自最早的记录数起，每页条数一个）'),
        ),
        migrations.RunPython(number_from_the_oldest, forget_the_keys),
    ]
