from django import forms

from spotcheck.lib import drawdoc
from spotcheck.lib.results import DELIVERY_METHODS
from spotcheck.plans.models import PlanItem


class EventForm(forms.Form):
    item = forms.ModelChoiceField(label="事项", queryset=PlanItem.objects.none())
    organiser = forms.CharField(label="主办/承办单位", max_length=200)
    place = forms.CharField(label="地点", max_length=300)
    date = forms.DateField(label="日期", help_text="YYYY-MM-DD")
    scale = forms.CharField(label="规模", max_length=200, help_text="如：约3000人")

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = plan.items.filter(event_driven=True).order_by("number")


class CeremonyForm(forms.Form):
    """Witnesses of the seed ceremony: one line each, "姓名 数字" (name, then the digits)."""

    witnesses = forms.CharField(
        label="见证人及骰子数字",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一名见证人：姓名 空格 掷出的数字，按掷骰顺序；至少2名，数字合计至少20位",
    )
    beacon = forms.CharField(
        label="公共随机信标值（可选）", required=False, max_length=drawdoc.MAX_BEACON_CHARS
    )

    def clean_witnesses(self):
        rows = []
        for line in self.cleaned_data["witnesses"].splitlines():
            if not line.strip():
                continue
            name, _, digits = line.strip().rpartition(" ")
            if not name.strip():
                raise forms.ValidationError(f"请写成“姓名 数字”：{line.strip()}")
            rows.append((name.strip(), digits.strip()))
        return rows


class ReplaceForm(forms.Form):
    reason = forms.CharField(
        label="替换原因",
        max_length=200,
        help_text="将公开：写“因病”“出差”“回避”等，不写诊断或隐私细节。递补人员按匹配号顺序产生，不能指定",
    )


class ScheduleForm(forms.Form):
    start = forms.DateField(label="开始日期", help_text="YYYY-MM-DD")
    end = forms.DateField(label="结束日期", help_text="YYYY-MM-DD")


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(label="通知方式", choices=list(DELIVERY_METHODS.items()))
    delivered_at = forms.DateTimeField(
        label="通知时间",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="不予通知的检查不填",
    )


class ItemSettingForm(forms.Form):
    item = forms.ModelChoiceField(label="事项", queryset=PlanItem.objects.none())
    team_size = forms.IntegerField(label="每组人数", min_value=1, max_value=20)
    qualifications = forms.CharField(
        label="资格要求",
        required=False,
        help_text="责任单位至少一名组员须持有的资格，多项用顿号或逗号分隔；留空为不要求",
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = plan.items.order_by("number")

    def clean_qualifications(self):
        import re

        return [q for q in re.split(r"[、,，;；\s]+", self.cleaned_data["qualifications"]) if q]
