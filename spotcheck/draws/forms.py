from django import forms
from django.conf import settings
from django.utils import timezone

from spotcheck.draws.actions import default_population_date
from spotcheck.draws.models import DrawReplacement, DrawSelection
from spotcheck.lib import drawdoc
from spotcheck.lib.drawdoc import STRATA, STRATUM_NAMES

WITNESS_ROWS = 4


class PrepareForm(forms.Form):
    round = forms.IntegerField(label="轮次", min_value=1, initial=1)
    on = forms.DateField(
        label="基准日期",
        help_text="近期检查的排除期由这一天往前计算；名录取提交时名录中在营的对象",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    exclude_recently_inspected = forms.BooleanField(
        label="排除近期已检查且未发现问题的对象",
        required=False,
        help_text=f"排除本事项{settings.SPOTCHECK_RECENT_INSPECTION_MONTHS}个月内检查过且"
        "最近一次未发现问题的对象；排除的户数将与名录一并公布",
    )

    def __init__(self, *args, year=None, rounds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rounds is not None:
            # Only the rounds still open for the item: a locked round's number is not offered.
            self.fields["round"] = forms.TypedChoiceField(
                label="轮次",
                coerce=int,
                choices=[(n, f"第{n}轮") for n in rounds],
                initial=rounds[0] if rounds else None,
                help_text="已有抽取（已公布、已掷骰或已锁定）的轮次不能再选",
            )
        # Default: a day inside the plan's year (today, when today is in it).
        today = timezone.localdate()
        self.fields["on"].initial = default_population_date(year, today) if year else today
        for stratum in STRATA:
            self.fields[f"risk_{stratum}"] = forms.DecimalField(
                label=f"{STRATUM_NAMES[stratum]}风险层比例（%）",
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=3,
                help_text="留空即按事项的最低比例；只能提高，如高风险 100",
            )

    def risk_policy(self) -> dict[str, str]:
        return {
            stratum: str(self.cleaned_data[f"risk_{stratum}"])
            for stratum in STRATA
            if self.cleaned_data.get(f"risk_{stratum}") is not None
        }

    def main_fields(self):
        return [self["round"], self["on"], self["exclude_recently_inspected"]]

    def risk_fields(self):
        return [self[f"risk_{stratum}"] for stratum in STRATA]


class SeedForm(forms.Form):
    beacon = forms.CharField(
        label="公共随机信标值（可选）",
        required=False,
        max_length=drawdoc.MAX_BEACON_CHARS,
        help_text="如使用公共随机信标，在掷骰后照录其数值；种子 = 各见证人骰子数字依次相连 + “|” + 信标值",
    )

    def __init__(self, *args, round_draws=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Other prepared draws of the same plan and round can share this ceremony's seed, so
        # items on the same target type select the same entities and become one visit.
        if round_draws:
            self.fields["also"] = forms.ModelMultipleChoiceField(
                label="同一仪式同时为以下抽取录入同一种子",
                queryset=round_draws,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        for row in range(1, WITNESS_ROWS + 1):
            self.fields[f"witness_{row}"] = forms.CharField(
                label=f"见证人{row}姓名", required=False, max_length=50
            )
            self.fields[f"digits_{row}"] = forms.CharField(
                label=f"见证人{row}掷出的数字",
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )

    def rows(self):
        return [
            (row, self[f"witness_{row}"], self[f"digits_{row}"])
            for row in range(1, WITNESS_ROWS + 1)
        ]

    def witnesses(self) -> list[tuple[str, str]]:
        pairs = []
        for row in range(1, WITNESS_ROWS + 1):
            name = self.cleaned_data.get(f"witness_{row}", "").strip()
            digits = self.cleaned_data.get(f"digits_{row}", "").strip()
            if name or digits:
                pairs.append((name, digits))
        return pairs


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="作废原因",
        max_length=300,
        help_text="将在抽查任务公告、开放数据和订阅源中公开：请勿填写姓名、电话号码等个人信息",
    )


class ReplaceForm(forms.Form):
    selection = forms.ModelChoiceField(
        label="不在检查范围的对象", queryset=DrawSelection.objects.none()
    )
    reason_code = forms.ChoiceField(label="情形", choices=DrawReplacement.Reason.choices)
    out_of_scope_since = forms.DateField(
        label="发生日期",
        help_text=(
            "如注销核准日期；须不晚于抽取日期，之后发生的应照常检查并录入结果；"
            "名录变更记录须显示该日及抽取日该对象已属此情形（请先在名录中更正）"
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label="原因说明",
        max_length=300,
        help_text="将在抽查任务公告和 draw.json 中公开：请勿填写姓名、电话号码等个人信息",
    )

    def __init__(self, *args, selections=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["selection"]
        field.queryset = DrawSelection.objects.filter(pk__in=[s.pk for s in selections])
        field.label_from_instance = lambda s: (
            f"{s.name}（{s.public_id}，{s.stratum_name}风险层第{s.rank}号）"
        )


class RoundPrepareForm(PrepareForm):
    """The round page's options, common to every item it prepares (the round is in the URL)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["round"]
        self.fields[
            "on"
        ].help_text = (
            "默认取计划年度内的一天；近期检查的排除期由这一天往前计算，名录取提交时在营的对象"
        )

    def main_fields(self):
        return [self["on"], self["exclude_recently_inspected"]]
