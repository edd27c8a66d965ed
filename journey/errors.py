"""Refusals of the journey's rules. Each carries a message written for the nurse at the workstation."""

from journey.validators import tidy

# A written reason (an override, a resolution, a round entered in error) is at least a short sentence.
REASON_MINIMUM = 10


class JourneyError(Exception):
    """A domain rule refused the action; nothing was written.

    ``field`` names the detail the refusal is about (``mrn``, ``planned_levels``...), so a form can show
    the message beside that field instead of guessing from the words.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class JourneyClosed(JourneyError):
    """The journey is completed or cancelled and takes no further change."""


class StaleJourney(JourneyError):
    """The page acted on an older version of the journey than the one now stored."""


class AnswerConflict(StaleJourney):
    """An item (or the driver) changed on the page was changed by someone else since the page was loaded."""


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


class NotReadyForRound(JourneyError):
    """A round cannot be recorded yet (the handover into recovery is not acknowledged)."""


def written_reason(text: str | None, *, what: str, minimum: int = REASON_MINIMUM) -> str:
    """The reason as it will be kept (one line, single spaces), or a refusal asking for it.

    ``what`` completes "Write ...": "the clinical reason for the override".
    """
    reason = tidy(text)
    if len(reason) < max(minimum, 1):
        suffix = " (at least a short sentence)" if minimum > 1 else ""
        raise JourneyError(f"Write {what}{suffix}.")
    return reason
