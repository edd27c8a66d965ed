"""Signing in and out on a shared workstation."""

from typing import Any

from django.contrib.auth import views as auth_views

from tracker.middleware import SIGNED_OUT_BECAUSE


class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # Why the last session ended (idle, or the 12-hour limit), shown once.
        return {
            **super().get_context_data(**kwargs),
            "signed_out_because": self.request.session.pop(SIGNED_OUT_BECAUSE, ""),
        }
