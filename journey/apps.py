from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JourneyConfig(AppConfig):
    name = "journey"
    verbose_name = "Procedure-day journeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from journey import admin_interfaces  # noqa: F401  (registers the interfaces' admin pages)
        from journey.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
