from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "spotcheck.inspections"
    label = "inspections"
    verbose_name = "检查任务"
