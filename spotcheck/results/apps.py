from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "spotcheck.results"
    label = "results"
    verbose_name = "检查结果"
