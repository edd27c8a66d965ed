"""Forms for the ward's screens. Messages are written for the nurse; the rules they check live in journey/."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone

from journey.levels import LEVELS_HELP, parse_levels
from journey.models import (
    Answer,
    Handover,
    ItemDefinition,
    ObservationRound,
    Occasion,
    Pathway,
    PatientDetails,
    Reason,
    RedFlagKind,
    Spo2Scale,
    StageVisit,
)
from journey.models.red_flags import SCORED_KINDS
from journey.validators import check_date_of_birth, clean_mrn, clean_phone

Kind = ItemDefinition.Kind
# The unit's formats whatever the browser's locale: a browser's own date or time picker follows the PC's
# locale (06:30 AM on an en-US PC), so dates and times are text inputs in the 24-hour, year-first form
# every page prints; the server parses them (en-GB input formats: 2026-11-21 or 21/11/2026; 06:30).
DATE_INPUT_ATTRS = {"inputmode": "numeric", "placeholder": "YYYY-MM-DD", "autocomplete": "off"}
TIME_INPUT_ATTRS = {
    "inputmode": "numeric",
    "pattern": "([01]?[0-9]|2[0-3])[:.][0-5][0-9]",
    "placeholder": "HH:MM",
    "maxlength": "5",
    "autocomplete": "off",
    "title": "24-hour time, such as 06:30 or 14:05",
}


def date_input(**attrs: str) -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={**DATE_INPUT_ATTRS, **attrs})


def time_input(**attrs: str) -> forms.TimeInput:
    return forms.TimeInput(format="%H:%M", attrs={**TIME_INPUT_ATTRS, **attrs})


class VersionField(forms.IntegerField):
    """The journey version the page was showing; a later change by someone else refuses the action."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, **kwargs)
        self.error_messages["required"] = self.error_messages["invalid"] = "This page is out of date: reload it."


def save_button(form: forms.BaseForm, label: str, css_class: str = "btn-primary") -> Submit:
    """The form's submit button, with an id of the form's own (several forms share one page)."""
    css_id = form.auto_id % "save" if isinstance(form.auto_id, str) and "%s" in form.auto_id else None
    return Submit("save", label, css_class=css_class, css_id=css_id)


def crispy_helper(*layout: Any) -> FormHelper:
    """Crispy renders the fields; the template writes the <form> tag (action, htmx attributes, CSRF)."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*layout)
    return helper


class CheckInForm(forms.Form):
    mrn = forms.CharField(label="MRN", max_length=20)
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", widget=date_input())
    pathway = forms.ModelChoiceField(
        label="Procedure", queryset=Pathway.objects.filter(is_active=True), empty_label="Choose the procedure"
    )
    day = forms.DateField(label="Day of the procedure", widget=date_input())
    scheduled_time = forms.TimeField(label="Booked time", widget=time_input())
    bay = forms.CharField(label="Bay", max_length=20, required=False)
    bay_handover = forms.BooleanField(
        label="Planned hand-over",
        required=False,
        help_text="Tick when the bay is held by a patient who leaves before this one comes.",
    )
    planned_levels = forms.CharField(label="Planned vertebral levels", max_length=100, help_text=LEVELS_HELP)
    driver_name = forms.CharField(label="Driver's name", max_length=100, required=False)
    driver_phone = forms.CharField(
        label="Driver's phone", max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    error_messages = {
        "mrn": "Enter the patient's MRN.",
        "given_name": "Enter the patient's given name.",
        "family_name": "Enter the patient's family name.",
        "date_of_birth": "Enter the date of birth.",
        "pathway": "Choose the procedure.",
        "day": "Enter the day of the procedure.",
        "scheduled_time": "Enter the booked time, such as 08:30.",
        "planned_levels": "Enter the planned levels, such as T12, L1.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in self.error_messages.items():
            self.fields[name].error_messages["required"] = message
        self.fields["date_of_birth"].error_messages["invalid"] = "Enter the date of birth as a date."
        self.fields["scheduled_time"].error_messages["invalid"] = "Enter the booked time, such as 08:30."
        self.helper = crispy_helper(
            Row(Column("mrn", css_class="col-md-3"), Column("given_name"), Column("family_name")),
            Row(Column("date_of_birth", css_class="col-md-3"), Column("pathway")),
            Row(Column("day"), Column("scheduled_time"), Column("bay"), Column("planned_levels", css_class="col-md-4")),
            "bay_handover",
            Row(Column("driver_name"), Column("driver_phone")),
            Submit("save", "Book the patient", css_class="btn-lg"),
        )

    # The rules are the domain's (journey/validators.py); the form shows their messages beside the field.
    def clean_mrn(self) -> str:
        return clean_mrn(self.cleaned_data["mrn"])

    def clean_date_of_birth(self) -> date:
        return check_date_of_birth(self.cleaned_data["date_of_birth"], timezone.localdate())

    def clean_planned_levels(self) -> list[str]:
        return parse_levels(self.cleaned_data["planned_levels"])

    def clean_driver_phone(self) -> str:
        return clean_phone(self.cleaned_data["driver_phone"])

    def patient_details(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(
            mrn=data["mrn"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
        )


def item_field_name(item: ItemDefinition) -> str:
    return f"item_{item.pk}"


def level_field_name(item: ItemDefinition, level: str) -> str:
    return f"item_{item.pk}_{level}"


def seen_field_name(item: ItemDefinition) -> str:
    return f"seen_{item.pk}"


class ChecklistForm(forms.Form):
    """The current stage's checklist: one field per item (one per planned level for a per-level number),
    filled with the standing answers. The domain judges the values; this only collects them.

    Instead of the journey's version, the form carries the stage it was showing and, per item, the answer
    it was showing (``seen_<item>``, empty when unanswered): two nurses saving different items both land,
    and only a change to the same item since the page was loaded is refused (``Journey.record_answers``).
    The stage's driver item carries the driver's name and phone in place (saved with ``update_driver``).
    """

    stage = forms.IntegerField(widget=forms.HiddenInput, required=False)
    driver_shown = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    def __init__(
        self,
        visit: StageVisit,
        answers: dict[int, Answer],
        data: Any = None,
        *,
        initial: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.visit = visit
        self.answers = answers
        self.items = list(visit.stage.items.all())
        self.levels = visit.journey.planned_levels
        initial = dict(initial or {})
        initial["stage"] = visit.stage_id
        journey = visit.journey
        self.driver_item = next((i for i in self.items if i.rule == ItemDefinition.Rule.DRIVER_DETAILS), None)
        if self.driver_item is not None:
            initial.update(driver_name=journey.driver_name, driver_phone=journey.driver_phone)
            initial["driver_shown"] = driver_shown(journey.driver_name, journey.driver_phone)
        for item in self.items:
            answer = answers.get(item.pk)
            value = answer.value if answer else None
            initial[seen_field_name(item)] = answer.pk if answer else ""
            if item.kind == Kind.LEVEL_NUMBERS:
                for level in self.levels:
                    initial[level_field_name(item, level)] = (value or {}).get(level)
            elif item.kind == Kind.LEVELS and value:
                initial[item_field_name(item)] = ", ".join(value)
            else:
                initial[item_field_name(item)] = value
        super().__init__(data, initial=initial, **kwargs)
        for item in self.items:
            if item.kind == Kind.LEVEL_NUMBERS:
                for level in self.levels:
                    self.fields[level_field_name(item, level)] = forms.CharField(
                        label=level, required=False, widget=_number_input(item)
                    )
            else:
                self.fields[item_field_name(item)] = _item_field(item)
            self.fields[seen_field_name(item)] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        if self.driver_item is not None:
            self.fields["driver_name"] = forms.CharField(
                label="Driver's name",
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
            )
            self.fields["driver_phone"] = forms.CharField(
                label="Driver's phone",
                max_length=30,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "off"}),
            )

        # Asked when the stage runs over its target; the domain refuses a late completion without one.
        self.fields["delay_reason"] = forms.ModelChoiceField(
            queryset=Reason.objects.offered_for(Occasion.DELAY),
            required=False,
            label="Main reason for the delay",
            empty_label="Choose a reason…",
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["delay_detail"] = forms.CharField(
            label="A few words (needed for “Other”)",
            required=False,
            max_length=300,
            widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
        )

    def clean_driver_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("driver_phone", ""))

    def seen(self) -> dict[int, int | None]:
        """For each item whose marker was posted, the answer the page was showing (None: unanswered)."""
        return {
            item.pk: self.cleaned_data.get(seen_field_name(item))
            for item in self.items
            if seen_field_name(item) in self.data
        }

    def driver_change(self) -> tuple[str, str, tuple[str, str] | None] | None:
        """The driver's name and phone as typed, and as the page showed them (None if it did not say);
        None when the nurse left them as shown."""
        if self.driver_item is None or "driver_name" not in self.data:
            return None
        data = self.cleaned_data
        name, phone, shown = data.get("driver_name", ""), data.get("driver_phone", ""), data.get("driver_shown", "")
        if driver_shown(name, phone) == shown:
            return None
        was_name, newline, was_phone = shown.partition("\n")
        return name, phone, (was_name, was_phone) if newline else None

    def delay(self) -> dict[str, Any]:
        """The delay reason as ``Journey.complete_stage`` takes it."""
        data = self.cleaned_data
        return {"delay_reason": data.get("delay_reason"), "delay_detail": data.get("delay_detail", "")}

    def values(self) -> dict[ItemDefinition, Any]:
        """What was posted for each item, in the shape ItemDefinition.clean_value reads."""
        data = self.cleaned_data
        values: dict[ItemDefinition, Any] = {}
        for item in self.items:
            if item.kind == Kind.LEVEL_NUMBERS:
                entered = {lvl: data.get(level_field_name(item, lvl), "") for lvl in self.levels}
                entered = {lvl: v for lvl, v in entered.items() if str(v).strip()}
                values[item] = entered or None
            else:
                values[item] = data.get(item_field_name(item))
        return values

    def add_item_errors(self, errors: dict[int, str]) -> None:
        for item in self.items:
            if item.pk in errors:
                name = (
                    level_field_name(item, self.levels[0]) if item.kind == Kind.LEVEL_NUMBERS else item_field_name(item)
                )
                self.add_error(name, errors[item.pk])

    def rows(self) -> list[tuple[ItemDefinition, list[forms.BoundField], Answer | None, forms.BoundField]]:
        """Each item with its field(s), standing answer (who answered, when, any flag) and the hidden
        marker of the answer the page shows, for the template."""
        rows = []
        for item in self.items:
            if item.kind == Kind.LEVEL_NUMBERS:
                fields = [self[level_field_name(item, lvl)] for lvl in self.levels]
            else:
                fields = [self[item_field_name(item)]]
            rows.append((item, fields, self.answers.get(item.pk), self[seen_field_name(item)]))
        return rows

    def field_id(self, item_id: int) -> str:
        """The id of the first input of an item, for a link that jumps to it."""
        item = next((i for i in self.items if i.pk == item_id), None)
        if item is None:
            return ""
        name = level_field_name(item, self.levels[0]) if item.kind == Kind.LEVEL_NUMBERS else item_field_name(item)
        if item.kind in (Kind.YES_NO, Kind.CHOICE, Kind.SCORE):
            return f"{self[name].auto_id}_0"
        return self[name].auto_id


def driver_shown(name: str, phone: str) -> str:
    """The driver as a page showed them, in one hidden value (a change since is told from it)."""
    return f"{name}\n{phone}"


def _number_input(item: ItemDefinition) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control number-input", "autocomplete": "off"})


def _item_field(item: ItemDefinition) -> forms.Field:
    common: dict[str, Any] = {"label": item.label, "required": False, "help_text": item.help_text}
    if item.kind == Kind.TICK:
        return forms.BooleanField(widget=forms.CheckboxInput(attrs={"class": "form-check-input"}), **common)
    if item.kind == Kind.YES_NO:
        return forms.ChoiceField(choices=ItemDefinition.YesNo.choices, widget=forms.RadioSelect, **common)
    if item.kind == Kind.CHOICE:
        return forms.ChoiceField(choices=[(o, o) for o in item.options()], widget=forms.RadioSelect, **common)
    if item.kind == Kind.SCORE:
        choices = [(str(p), f"{p}: {meaning}") for p, meaning in item.score_options()]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if item.kind == Kind.NUMBER:
        return forms.CharField(widget=_number_input(item), **common)
    if item.kind == Kind.TIME:
        return forms.CharField(widget=time_input(**{"class": "form-control"}), **common)
    if item.kind == Kind.LEVELS:
        widget = forms.TextInput(attrs={"class": "form-control", "placeholder": "e.g. T12, L1", "autocomplete": "off"})
        return forms.CharField(widget=widget, **common)
    return forms.CharField(widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 500}), **common)


class VersionForm(forms.Form):
    """An action that needs nothing but the page's version (starting the day)."""

    version = VersionField()


class RoundForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = ObservationRound
        fields = [
            "systolic",
            "diastolic",
            "heart_rate",
            "resp_rate",
            "spo2",
            "spo2_scale",
            "on_oxygen",
            "temperature",
            "consciousness",
            "pain",
            "legs",
            "dressing",
        ]
        widgets = {
            "legs": forms.RadioSelect,
            "dressing": forms.RadioSelect,
            "consciousness": forms.RadioSelect,
            "spo2_scale": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("systolic", "diastolic", "heart_rate", "resp_rate", "spo2", "pain"):
            field = self.fields[name]
            field.widget.attrs.update({"inputmode": "numeric"})
            measure = ObservationRound.measure_name(name).split(" (")[0].lower()
            field.error_messages["required"] = f"Enter the {measure}."
        temperature = self.fields["temperature"]
        temperature.required = True
        temperature.widget.attrs.update({"inputmode": "decimal", "step": "0.1"})
        temperature.error_messages["required"] = "Enter the temperature (°C, one decimal)."
        temperature.error_messages["max_decimal_places"] = "Enter the temperature with one decimal, such as 36.8."
        # Radio buttons need no "---------" choice: nothing ticked already says "not checked yet".
        cast(forms.ChoiceField, self.fields["legs"]).choices = ObservationRound.Legs.choices
        cast(forms.ChoiceField, self.fields["dressing"]).choices = ObservationRound.Dressing.choices
        consciousness = cast(forms.ChoiceField, self.fields["consciousness"])
        consciousness.choices = ObservationRound.Consciousness.choices
        consciousness.required = True
        consciousness.label = "Consciousness (ACVPU)"
        scale = cast(forms.ChoiceField, self.fields["spo2_scale"])
        scale.choices = Spo2Scale.choices
        scale.label = "SpO2 scale (Scale 2 only when a clinician has set it)"
        self.fields["legs"].error_messages["required"] = "Check the legs' strength and sensation."
        self.fields["dressing"].error_messages["required"] = "Check the dressing."
        self.fields["consciousness"].error_messages["required"] = "Check consciousness (ACVPU)."
        self.helper = crispy_helper(
            "version",
            Row(Column("systolic"), Column("diastolic"), Column("heart_rate"), Column("resp_rate"), Column("spo2")),
            Row(
                Column("temperature", css_class="col-md-2"),
                Column("on_oxygen", css_class="col-md-3"),
                Column("spo2_scale"),
            ),
            Row(
                Column("consciousness", css_class="col-md-3"),
                Column("pain", css_class="col-md-2"),
                Column("legs"),
                Column("dressing"),
            ),
            save_button(self, "Record this round"),
        )


class Spo2ScaleForm(forms.Form):
    version = VersionField()
    scale = forms.TypedChoiceField(
        label="SpO2 scale for this patient", choices=Spo2Scale.choices, coerce=int, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Clinical reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].error_messages["required"] = "Choose Scale 1 or Scale 2."
        self.fields["reason"].error_messages["required"] = "Write why this scale applies."
        self.helper = crispy_helper("version", "scale", "reason", save_button(self, "Set the scale", "btn-warning"))


class MissedRoundForm(forms.Form):
    version = VersionField()
    reason = forms.CharField(label="Why was it missed?", max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Write why the round was missed."
        self.helper = crispy_helper("version", "reason", save_button(self, "Mark missed", "btn-outline-danger btn-sm"))


class HandoverForm(forms.Form):
    version = VersionField()
    occasion = forms.ChoiceField(label="Handover", choices=Handover.Occasion.choices, widget=forms.RadioSelect)
    situation = forms.CharField(label="Situation", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    background = forms.CharField(label="Background", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    assessment = forms.CharField(label="Assessment", max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    recommendation = forms.CharField(label="Recommendation", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occasion"].error_messages["required"] = "Choose when this handover happens."
        for name in ("situation", "background", "assessment", "recommendation"):
            self.fields[name].error_messages["required"] = f"Write the {name}."
        self.helper = crispy_helper(
            "version",
            "occasion",
            "situation",
            "background",
            "assessment",
            "recommendation",
            save_button(self, "Write the handover"),
        )


class RedFlagForm(forms.Form):
    version = VersionField()
    kind = forms.ChoiceField(
        label="Red flag seen",
        # NEWS2 flags come from a round's score, never chosen at the bedside.
        choices=[(value, label) for value, label in RedFlagKind.choices if value not in SCORED_KINDS],
        widget=forms.RadioSelect,
    )
    detail = forms.CharField(label="What you saw", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = "Choose which red flag you saw."
        self.helper = crispy_helper("version", "kind", "detail", save_button(self, "Raise red flag", "btn-danger"))


class EscalationForm(forms.Form):
    version = VersionField()
    told_who = forms.CharField(label="Who was told (name and role)", max_length=200)
    told_at = forms.TimeField(label="At", widget=time_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["told_who"].error_messages["required"] = "Write who was told."
        self.fields["told_at"].error_messages["required"] = "Enter when they were told."
        self.helper = crispy_helper(
            "version",
            Row(Column("told_who", css_class="col-md-7"), Column("told_at")),
            save_button(self, "Record escalation", "btn-danger"),
        )

    def told_at_moment(self, now: datetime) -> datetime:
        """The time of day entered, as the most recent such moment in the unit's time zone: written down
        just after midnight, 23:55 means last night."""
        moment = timezone.make_aware(datetime.combine(timezone.localdate(now), self.cleaned_data["told_at"]))
        return moment - timedelta(days=1) if moment > now + timedelta(minutes=1) else moment


class NoteForm(forms.Form):
    """A written reason: resolving a red flag, overriding a minimum, cancelling."""

    version = VersionField()
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args: Any, label: str, button: str, css: str = "btn-primary", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = label
        self.fields["note"].error_messages["required"] = "Write the reason."
        self.helper = crispy_helper("version", "note", save_button(self, button, css))


class BookingForm(forms.Form):
    """Correct the booking on the ward: record the levels a booking came without, or move the bay."""

    version = VersionField()
    planned_levels = forms.CharField(label="Planned vertebral levels", max_length=100, help_text=LEVELS_HELP)
    bay = forms.CharField(label="Bay", max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_levels"].error_messages["required"] = "Enter the planned levels, such as T12, L1."
        self.helper = crispy_helper(
            "version",
            Row(Column("planned_levels", css_class="col-md-8"), Column("bay")),
            save_button(self, "Save the booking", "btn-secondary"),
        )

    def clean_planned_levels(self) -> list[str]:
        return parse_levels(self.cleaned_data["planned_levels"])


class CodedReasonForm(forms.Form):
    """A reason from the unit's coded list for one occasion (cancelling, did not arrive, admitted
    overnight, unplanned return), with a few words that "Other" needs."""

    version = VersionField()
    reason = forms.ModelChoiceField(queryset=Reason.objects.none(), empty_label="Choose a reason…")
    detail = forms.CharField(label="A few words (needed for “Other”)", required=False, max_length=300)

    def __init__(
        self, *args: Any, occasion: str, label: str, button: str, css: str = "btn-primary", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ModelChoiceField)
        reason.queryset = Reason.objects.offered_for(occasion)
        reason.label = label
        reason.error_messages["required"] = "Choose a reason from the list."
        self.helper = crispy_helper("version", "reason", "detail", save_button(self, button, css))


class DriverForm(forms.Form):
    version = VersionField()
    name = forms.CharField(label="Driver's name", max_length=100, required=False)
    phone = forms.CharField(
        label="Driver's phone", max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = crispy_helper(
            "version", Row(Column("name"), Column("phone")), save_button(self, "Save driver", "btn-secondary")
        )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])


class ReviewForm(EscalationForm):
    """Who was asked to review a low-medium NEWS2, and when (recorded like an escalation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["told_who"].label = "Clinician asked to review (name and role)"
        self.fields["told_who"].error_messages["required"] = "Write who was asked to review."
        self.fields["told_at"].error_messages["required"] = "Enter when they were asked."
        self.helper = crispy_helper(
            "version",
            Row(Column("told_who", css_class="col-md-7"), Column("told_at")),
            save_button(self, "Record the review request", "btn-warning"),
        )
