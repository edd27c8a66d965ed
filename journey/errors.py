"""Refusals of the journey's rules. Each carries a message written for the nurse at the workstation."""


class JourneyError(Exception):
    """A domain rule refused the action; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class JourneyClosed(JourneyError):
    """The journey is completed or cancelled and takes no further change."""


class StaleJourney(JourneyError):
    """The page acted on an older version of the journey than the one now stored."""


class OutOfOrder(JourneyError):
    """The action names a stage that is not the current one (done already, or not reached)."""


class InvalidAnswer(JourneyError):
    """A checklist answer does not fit its item (wrong kind, out of range, unknown level)."""

    def __init__(self, message: str, errors: dict[int, str] | None = None):
        super().__init__(message)
        # Item id -> message, so a form can show each message beside its own field.
        self.errors = errors or {}


class StageNotReady(JourneyError):
    """The stage cannot close: required items missing or unacceptable, or its minimum not reached."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


class NotPermitted(JourneyError):
    """The person's role does not allow this action."""
