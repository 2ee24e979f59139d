from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "spotcheck.plans"
    label = "plans"
    verbose_name = "抽查计划"
