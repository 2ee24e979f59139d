from functools import cached_property

from django import forms

from spotcheck.draws.forms import WITNESS_ROWS, SeedForm
from spotcheck.inspections.selectors import organiser_suggestions
from spotcheck.lib.results import DELIVERY_METHODS
from spotcheck.plans.models import PlanItem


class EventForm(forms.Form):
    item = forms.ModelChoiceField(label="事项", queryset=PlanItem.objects.none())
    organiser = forms.CharField(
        label="主办/承办单位",
        max_length=200,
        help_text="输入名称可在名录中查找并选择；名录中没有的单位照实填写，登记为新单位",
        widget=forms.TextInput(attrs={"list": "organisers", "autocomplete": "off"}),
    )
    place = forms.CharField(label="地点", max_length=300)
    date = forms.DateField(
        label="日期",
        help_text="须在该事项的检查时间内",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    scale = forms.CharField(label="规模", max_length=200, help_text="如：约3000人")

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        items = plan.items.filter(event_driven=True).order_by("number")
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda item: (
            f"事项{item.number} {item.name}（检查时间 {item.window_summary}）"
        )
        self.fields["date"].widget.attrs.update(
            {"min": f"{plan.year}-01-01", "max": f"{plan.year}-12-31"}
        )

    @cached_property
    def organisers(self) -> list[str]:
        """The organiser field's suggestions, wherever the form is shown: the page includes
        inspections/_organisers.html with them (read only when the page is rendered)."""
        return organiser_suggestions(self.plan)


class CeremonyForm(SeedForm):
    """The seed ceremony of an event, entered as at a draw's ceremony (the same beacon and
    witness rows): one row per witness, their name and the digits they rolled, in order."""

    def clean(self):
        cleaned = super().clean()
        pairs = []
        for row in range(1, WITNESS_ROWS + 1):
            name = (cleaned.get(f"witness_{row}") or "").strip()
            digits = (cleaned.get(f"digits_{row}") or "").strip()
            if name or digits:
                if not name or not digits:
                    raise forms.ValidationError(f"第{row}行：请同时填写见证人姓名和掷出的数字")
                pairs.append((name, digits))
        cleaned["witnesses"] = pairs
        return cleaned


class EventCancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=300, help_text="如：重复登记、日期填错")


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
