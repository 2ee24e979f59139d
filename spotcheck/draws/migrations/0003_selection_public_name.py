"""DrawSelection.public_name: the published name stored when the entity is selected, no longer
derived from the registry each time it is shown (a later change of the entity's operator would
otherwise change a published bulletin). Existing rows take it from the registry as it is now,
the best record there is of what was shown."""

from django.db import migrations, models

from spotcheck.lib.publication import public_entity_name


def fill_public_names(apps, schema_editor):
    DrawSelection = apps.get_model("draws", "DrawSelection")
    rows = DrawSelection.objects.select_related("entity").only(
        "pk", "name", "credit_code", "entity__legal_representative"
    )
    for selection in rows.iterator(chunk_size=2000):
        DrawSelection.objects.filter(pk=selection.pk).update(
            public_name=public_entity_name(
                selection.name,
                credit_code=selection.credit_code,
                operators=[selection.entity.legal_representative],
            )
        )


class Migration(migrations.Migration):
    dependencies = [("draws", "0002_bins"), ("registry", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="drawselection",
            name="public_name",
            field=models.CharField(
                blank=True,
                help_text="门户和开放数据公示的名称（个体工商户经营者姓名已遮蔽，如张*）",
                max_length=200,
                verbose_name="公示名称（抽取时）",
            ),
        ),
        migrations.RunPython(fill_public_names, migrations.RunPython.noop),
    ]
