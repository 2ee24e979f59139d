from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "spotcheck.stats"
    label = "stats"
    verbose_name = "统计"
