from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "spotcheck.registry"
    label = "registry"
    verbose_name = "检查对象与执法人员名录"
