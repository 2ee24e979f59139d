from django import forms

from spotcheck.accounts.models import Agency, Unit
from spotcheck.lib.directory import split_list
from spotcheck.registry.models import (
    ENTITY_EDITABLE_FIELDS,
    INSPECTOR_EDITABLE_FIELDS,
    RISK_LEVEL_CHOICES,
    Entity,
    EntityStatus,
    ImportBatch,
    Inspector,
    Recusal,
    TargetType,
)

ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
INACTIVE_REASONS = [("", "—"), ("离职", "离职"), ("退休", "退休"), ("停职", "停职")]
DRAWABILITY_CHOICES = [
    ("", "全部"),
    ("drawable", "可参与匹配"),
    ("expired", "执法证过期"),
    ("inactive", "不在岗"),
]


class EntityFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False)
    target_type = forms.ModelChoiceField(
        label="类型", queryset=TargetType.objects.all(), required=False, empty_label="全部"
    )
    # Any town is accepted (the list of choices is cached and may lag an import).
    town = forms.CharField(label="乡镇街道", required=False, widget=forms.Select)
    risk_level = forms.ChoiceField(
        label="风险",
        required=False,
        choices=[("", "全部"), *RISK_LEVEL_CHOICES, ("none", "未评定")],
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *EntityStatus.choices]
    )

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].widget.choices = [("", "全部"), *((t, t) for t in towns)]


class InspectorFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False)
    agency = forms.ModelChoiceField(
        label="机构", queryset=Agency.objects.all(), required=False, empty_label="全部"
    )
    unit = forms.ModelChoiceField(
        label="单位",
        queryset=Unit.objects.select_related("agency"),
        required=False,
        empty_label="全部",
    )
    drawable = forms.ChoiceField(label="状态", required=False, choices=DRAWABILITY_CHOICES)


class ListField(forms.CharField):
    """A list typed as one line, separated by 、，,；; (as in the import files)."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "、".join(value)
        return value

    def to_python(self, value):
        return split_list(super().to_python(value) or "")


class EntityForm(forms.ModelForm):
    target_types = forms.ModelMultipleChoiceField(
        label="检查对象类型",
        queryset=TargetType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    tags = ListField(label="标签", required=False, help_text="多个用顿号、逗号分隔")
    note = forms.CharField(label="变更说明", required=False, max_length=300)

    class Meta:
        model = Entity
        fields = ["name", "target_types", *ENTITY_EDITABLE_FIELDS[1:]]
        widgets = {
            "risk_set_on": forms.DateInput(attrs={"type": "date"}),
            "licence_valid_until": forms.DateInput(attrs={"type": "date"}),
        }


class InspectorForm(forms.ModelForm):
    qualifications = ListField(label="专业领域", required=False, help_text="多个用顿号、逗号分隔")
    inactive_reason = forms.ChoiceField(
        label="不在岗原因", choices=INACTIVE_REASONS, required=False
    )
    note = forms.CharField(label="变更说明", required=False, max_length=300)

    class Meta:
        model = Inspector
        fields = list(INSPECTOR_EDITABLE_FIELDS)
        widgets = {"certificate_valid_until": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(agency=self.instance.agency_id)

    def clean(self):
        data = super().clean()
        if data.get("is_active") is False and not data.get("inactive_reason"):
            self.add_error("inactive_reason", "不在岗时请选择原因")
        return data


class RecusalForm(forms.ModelForm):
    class Meta:
        model = Recusal
        fields = ["inspector", "reason", "valid_from", "valid_until", "note"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = Inspector.objects.select_related("agency", "unit")
        self.fields["valid_from"].required = False
        self.fields["valid_from"].help_text = "空为今天"

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "失效日期早于生效日期")
        return data


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="名录", choices=ImportBatch.Kind.choices)
    file = forms.FileField(
        label="文件", help_text="CSV（UTF-8、带BOM的UTF-8、GBK/GB18030）或Excel（xlsx）"
    )
    agency = forms.ModelChoiceField(
        label="名录所属机构",
        queryset=Agency.objects.all(),
        required=False,
        help_text="导入检查对象时必选",
    )
    skip_invalid = forms.BooleanField(
        label="跳过有误的行（导入无误的行，有误的行可下载退回文件）", required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError("不支持的文件类型：" + upload.name)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") == ImportBatch.Kind.ENTITIES and not data.get("agency"):
            self.add_error("agency", "导入检查对象时请选择名录所属机构")
        return data


class ImportConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(label="跳过有误的行", required=False)
