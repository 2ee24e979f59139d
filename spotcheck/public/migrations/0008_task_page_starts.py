# Where each page of a task's published results starts (TaskPage), filled for the results
# published so far; publication keeps it from then on.

import django.db.models.deletion
from django.db import migrations, models

from spotcheck.public.models import rebuild_task_pages


def number_the_pages(apps, schema_editor):
    PublishedItem = apps.get_model("public", "PublishedItem")
    TaskPage = apps.get_model("public", "TaskPage")
    tasks = PublishedItem.objects.values_list("plan_item", flat=True).distinct().order_by()
    rebuild_task_pages(list(tasks), items=PublishedItem, pages=TaskPage)


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0004_revisions'),
        ('public', '0007_name_keys_normalised'),
    ]

    operations = [
        migrations.CreateModel(
            name='TaskPage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='页码')),
                ('after_on', models.DateField(verbose_name='上一页末条的公示日期')),
                ('after_id', models.BigIntegerField(verbose_name='上一页末条的公示记录')),
                ('plan_item', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.planitem')),
            ],
            options={
                'verbose_name': '结果公示分页起点',
                'verbose_name_plural': '结果公示分页起点',
                'constraints': [models.UniqueConstraint(fields=('plan_item', 'number'), name='taskpage_item_number')],
            },
        ),
        migrations.RunPython(number_the_pages, migrations.RunPython.noop),
    ]
