from django.db import migrations, models

from spotcheck.stats.layout import stamp_when_empty

# the layout version of this release (spotcheck.stats.layout.FACTS_LAYOUT_VERSION when written):
# a literal, so that a later bump does not change what this migration did
LAYOUT_VERSION = 3


class Migration(migrations.Migration):
    """The `due_month` kind of stored count (the progress tables read past months whole), and
    an index the tables read the stored counts from: existing deployments rebuild
    (`spotcheck stats-rebuild`), fresh installs are current."""

    dependencies = [
        ("stats", "0003_facts_layout"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="fact",
            index=models.Index(
                fields=["plan", "kind", "key", "items", "n", "total"], name="stats_fact_read"
            ),
        ),
        migrations.RunPython(stamp_when_empty(LAYOUT_VERSION), migrations.RunPython.noop),
    ]
