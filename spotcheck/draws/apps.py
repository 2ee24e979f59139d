from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "spotcheck.draws"
    label = "draws"
    verbose_name = "随机抽取"
