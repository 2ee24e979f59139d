from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "spotcheck.public"
    label = "public"
    verbose_name = "信息公开"
