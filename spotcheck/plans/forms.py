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


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


MONTHS = [("", "—")] + [(str(m), f"{m}月") for m in range(1, 13)]
RISK_FIELDS = (
    ("low", "risk_low", "低风险抽查比例（%）"),
    ("medium_low", "risk_medium_low", "中低风险抽查比例（%）"),
    ("medium", "risk_medium", "中风险抽查比例（%）"),
    ("high", "risk_high", "高风险抽查比例（%）"),
)


def _percent_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_value=100, max_digits=6, decimal_places=3
    )


class PlanForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(
        label="标题", required=False, max_length=300, help_text="留空则为“机构＋年度＋抽查工作计划”"
    )


class PlanCopyForm(PlanForm):
    pass


class PlanItemForm(forms.Form):
    """One item of a plan built in the app: every field the published table has."""

    number = forms.IntegerField(label="编号", required=False, min_value=1, help_text="留空则顺延")
    mode = forms.ChoiceField(label="抽查方式", required=False)
    domain = forms.CharField(label="抽查领域", required=False, max_length=300)
    name = forms.CharField(label="抽查事项", max_length=300)
    checkpoints = forms.CharField(
        label="检查要点", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一项",
    )  # fmt: skip
    content = forms.CharField(
        label="抽查内容（原文，可留空）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    target_type = forms.CharField(label="检查对象", required=False, max_length=200)
    entity_type = forms.ModelChoiceField(
        label="对象类型（名录）",
        queryset=None,
        required=False,
        help_text="抽取时从名录中取此类型的检查对象；留空则按检查对象的名称识别",
    )
    category = forms.ChoiceField(label="事项类别", required=False)
    event_driven = forms.BooleanField(label="按实际执行（事件触发，不按比例抽取）", required=False)
    ratio_percent = _percent_field("最低抽查比例（%）")
    ratio_max_percent = _percent_field("最高抽查比例（%）")
    times_per_year = forms.IntegerField(
        label="每年抽查次数", required=False, min_value=1, max_value=365
    )
    sample_count_min = forms.IntegerField(label="抽查数量（下限）", required=False, min_value=0)
    sample_count_max = forms.IntegerField(label="抽查数量（上限）", required=False, min_value=0)
    risk_low = _percent_field("低风险抽查比例（%）")
    risk_medium_low = _percent_field("中低风险抽查比例（%）")
    risk_medium = _percent_field("中风险抽查比例（%）")
    risk_high = _percent_field("高风险抽查比例（%）")
    window_start_month = forms.TypedChoiceField(
        label="检查开始月份", choices=MONTHS, coerce=int, empty_value=None, required=False
    )
    window_end_month = forms.TypedChoiceField(
        label="检查结束月份", choices=MONTHS, coerce=int, empty_value=None, required=False
    )
    responsible_unit_name = forms.CharField(label="责任单位", required=False, max_length=200)
    initiating_department = forms.CharField(label="发起部门", required=False, max_length=200)
    cooperating_departments = forms.CharField(
        label="配合部门", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一个",
    )  # fmt: skip
    inspection_body = forms.CharField(label="检查主体", required=False, max_length=200)
    estimated_targets = forms.IntegerField(label="预估抽查对象数", required=False, min_value=0)
    legal_basis = forms.CharField(
        label="检查依据", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    method = forms.CharField(
        label="检查方式", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from spotcheck.plans.models import PlanItem
        from spotcheck.registry.models import TargetType

        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [("", "—"), *PlanItem.Mode.choices]
        self.fields["category"].choices = [("", "—"), *PlanItem.Category.choices]
        self.fields["entity_type"].queryset = TargetType.objects.order_by("name")

    @classmethod
    def initial_for(cls, item) -> dict:
        initial = {key: getattr(item, key) for key in cls.base_fields if hasattr(item, key)}
        initial["checkpoints"] = "\n".join(item.checkpoints)
        initial["cooperating_departments"] = "\n".join(item.cooperating_departments)
        initial["entity_type"] = item.entity_type_id
        for level, name, _ in RISK_FIELDS:
            initial[name] = item.risk_ratios.get(level)
        return initial

    @classmethod
    def initial_from_values(cls, values: dict) -> dict:
        """The form's initial data from a revision's pending values."""
        initial = dict(values)
        initial["checkpoints"] = "\n".join(values.get("checkpoints") or [])
        initial["cooperating_departments"] = "\n".join(values.get("cooperating_departments") or [])
        for level, name, _ in RISK_FIELDS:
            initial[name] = (values.get("risk_ratios") or {}).get(level)
        return initial

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start_month"), data.get("window_end_month")
        if (start is None) != (end is None):
            self.add_error("window_end_month", "检查时间须同时填写开始和结束月份")
        elif start is not None and start > end:
            self.add_error("window_end_month", f"结束月份（{end}月）早于开始月份（{start}月）")
        low, high = data.get("ratio_percent"), data.get("ratio_max_percent")
        if high is not None and (low is None or high < low):
            self.add_error("ratio_max_percent", "最高抽查比例须不低于最低抽查比例")
        low, high = data.get("sample_count_min"), data.get("sample_count_max")
        if high is not None and (low is None or high < low):
            self.add_error("sample_count_max", "抽查数量上限须不低于下限")
        if data.get("event_driven") and data.get("ratio_percent") is not None:
            self.add_error("ratio_percent", "按实际执行的事项不设抽查比例")
        return data

    def values(self) -> dict:
        """The action's values (see spotcheck.plans.actions.ITEM_FORM_FIELDS)."""
        data = dict(self.cleaned_data)
        data["checkpoints"] = _lines(data["checkpoints"])
        data["cooperating_departments"] = _lines(data["cooperating_departments"])
        data["risk_ratios"] = {
            level: format(value.normalize(), "f")
            for level, name, _ in RISK_FIELDS
            if (value := data.pop(name)) is not None
        }
        return data


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label="调整原因",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="将在公开的计划页面和订阅源中公开：请勿填写姓名、电话号码等个人信息",
    )
    effective_date = forms.DateField(
        label="调整日期", widget=forms.DateInput(attrs={"type": "date"}), help_text="计划年度内"
    )
