from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "spotcheck.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self) -> None:
        from django.core.checks import register

        from spotcheck.stats.layout import stale_facts_check

        register(stale_facts_check)
