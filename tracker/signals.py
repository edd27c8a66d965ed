"""Sign-in, sign-out and refused sign-ins: the session's clocks start, and each lands in the audit."""

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from journey.models import AuditEntry
from journey.models.audit import from_address
from tracker.access import client_address, sign_in_username
from tracker.middleware import signed_in

Action = AuditEntry.Action


@receiver(user_logged_in)
def on_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    signed_in(request)
    with from_address(client_address(request)):
        AuditEntry.objects.record(Action.SIGNED_IN, user=user, summary="Signed in")


@receiver(user_logged_out)
def on_sign_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with from_address(client_address(request)):
            AuditEntry.objects.record(Action.SIGNED_OUT, user=user, summary="Signed out")


@receiver(user_login_failed)
def on_refused_sign_in(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = sign_in_username(request, credentials) if request else ""
    user = get_user_model().objects.filter(username=username).first()
    with from_address(client_address(request) if request else None):
        AuditEntry.objects.record(Action.SIGN_IN_FAILED, user=user, summary=f"Sign-in refused for “{username}”")


@receiver(post_save, sender=LogEntry)
def on_admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """Pathway edits in the admin (Django logs each one) join the same chain."""
    if created:
        AuditEntry.objects.record(
            Action.ADMIN,
            user=instance.user,
            summary=f"Admin: {instance.get_action_flag_display().lower()} “{instance.object_repr}”",
            data={"change": instance.get_change_message()},
        )
