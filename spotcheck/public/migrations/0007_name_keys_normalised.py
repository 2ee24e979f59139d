"""Name keys cut from the normalised name (spotcheck.lib.pinyin.name_key: NFKC, case folded,
whitespace dropped), as the search now normalises the query. Only names whose key text changes
(fullwidth or other compatibility characters, letters that case-fold differently) are re-keyed."""

from django.db import migrations

from spotcheck.lib.pinyin import name_key, substring_keys

KEY_LENGTH = 8


def rekey_changed_names(apps, schema_editor):
    PublishedResult = apps.get_model("public", "PublishedResult")
    PublicName = apps.get_model("public", "PublicName")
    PublicNameKey = apps.get_model("public", "PublicNameKey")
    for public_name in PublicName.objects.order_by("pk").iterator(chunk_size=2000):
        name = public_name.name
        if name_key(name) == "".join(name.lower().split()):  # the keys it has are right
            continue
        initials = (
            PublishedResult.objects.filter(entity_name=name)
            .values_list("name_initials", flat=True)
            .first()
        )
        PublicNameKey.objects.filter(name=public_name).delete()
        PublicNameKey.objects.bulk_create(
            PublicNameKey(key=key, name=public_name)
            for key in sorted(substring_keys(name, initials or "", length=KEY_LENGTH))
        )


class Migration(migrations.Migration):
    dependencies = [("public", "0006_withdrawn_at_index")]

    operations = [migrations.RunPython(rekey_changed_names, migrations.RunPython.noop)]
