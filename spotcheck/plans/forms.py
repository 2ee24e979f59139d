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
