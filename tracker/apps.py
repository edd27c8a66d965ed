from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Ward workstation and board"

    def ready(self) -> None:
        from tracker import signals  # noqa: F401 (connects the sign-in receivers)
