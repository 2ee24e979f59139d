from django import forms

ACCEPTED_SUFFIXES = (".txt", ".tsv", ".csv", ".xlsx", ".docx")


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label="计划文件", help_text="支持 .txt/.tsv/.csv（制表符分隔）、.xlsx、.docx"
    )
    agency = forms.CharField(label="制定机构", required=False, help_text="留空则取自标题")
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    replace = forms.BooleanField(label="替换同年度草稿计划", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError("不支持的文件类型：" + upload.name)
        return upload


def _field_choices() -> list[tuple[str, str]]:
    from spotcheck.lib.planfile import FIELD_HEADERS

    return [*FIELD_HEADERS.items()]


class ColumnCorrectionForm(forms.Form):
    """A column's meaning, corrected in the import preview."""

    header = forms.ChoiceField(label="列")
    field = forms.ChoiceField(label="作为")

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["header"].choices = [(h, h) for h in headers]
        self.fields["field"].choices = [*_field_choices(), ("", "忽略（作为其他列原样保留）")]
        self.fields["field"].required = False


class CellCorrectionForm(forms.Form):
    """One field of one row, corrected in the import preview: the text to read instead."""

    source = forms.CharField(max_length=100)
    field = forms.ChoiceField(label="字段")
    text = forms.CharField(label="更正为", required=False, max_length=20000, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = _field_choices()
