"""Each pathway's round rules: the thresholds a round's values are checked against, edited by the admin."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from journey.models import ObservationRound, Pathway, RedFlagKind, RoundRules


def a_round(**changes) -> ObservationRound:
    values = {
        "systolic": 130,
        "diastolic": 78,
        "heart_rate": 72,
        "resp_rate": 14,
        "spo2": 97,
        "spo2_scale": 1,
        "legs": ObservationRound.Legs.AS_BASELINE,
        "pain": 3,
        "dressing": ObservationRound.Dressing.DRY,
    }
    return ObservationRound(**{**values, **changes})


def test_the_defaults_are_the_clinical_references_numbers():
    rules = RoundRules()

    assert rules.safe_ranges() == {
        "systolic": (90, 180),
        "diastolic": (50, 110),
        "heart_rate": (50, 110),
        "resp_rate": (10, 24),
        "spo2": (94, 100),
    }
    assert (rules.spo2_red_flag_below, rules.baseline_change, rules.severe_pain_from) == (92, Decimal("0.2"), 7)


def test_a_pathway_without_rules_of_its_own_gets_the_defaults_without_a_write(pathway, django_assert_num_queries):
    with django_assert_num_queries(1):
        rules = RoundRules.objects.for_pathway(pathway)

    assert rules.pk is None
    assert rules.spo2_red_flag_below == 92


def test_the_shipped_pathways_carry_their_rules_and_load_again_unchanged(db):
    call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)
    call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)

    assert RoundRules.objects.count() == 2
    for pathway in Pathway.objects.all():
        rules = RoundRules.objects.for_pathway(pathway)
        assert rules.pk is not None
        assert rules.spo2_red_flag_below == 92
        # The shipped pathways wait for the receiving nurse before recovery's first round.
        assert not rules.first_round_before_handover


def test_the_admins_thresholds_decide_what_a_round_flags(pathway):
    strict = RoundRules(pathway=pathway, spo2_red_flag_below=95, severe_pain_from=5, resp_rate_high=20)
    values = a_round(spo2=94, pain=5, resp_rate=22)

    default_concerns, default_red = values.assess({})
    concerns, red = values.assess({}, strict)

    assert [kind for kind, _ in default_red] == []
    assert default_concerns == []
    assert [kind for kind, _ in red] == [RedFlagKind.LOW_SPO2]
    assert concerns == ["Respiratory rate (/min) 22 (safe 10-20)", "Pain 5/10"]


def test_the_baseline_change_share_is_the_admins(pathway):
    values = a_round(systolic=150)
    baseline = {"systolic": Decimal(130)}

    assert values.assess(baseline)[1] == []
    (flag,) = values.assess(baseline, RoundRules(pathway=pathway, baseline_change_percent=10))[1]
    assert flag == (RedFlagKind.VITALS_CHANGE, "Systolic BP 150 (baseline 130)")


def test_on_scale_2_saturation_flags_below_88_not_92():
    concerns, red = a_round(spo2=89, spo2_scale=2).assess({})
    assert (concerns, red) == ([], [])

    concerns, red = a_round(spo2=87, spo2_scale=2).assess({})
    assert red == [(RedFlagKind.LOW_SPO2, "Oxygen saturation 87% (red flag below 88%)")]


def test_a_safe_range_must_run_upwards(pathway):
    with pytest.raises(ValidationError, match="upper end must be above"):
        RoundRules(pathway=pathway, heart_rate_low=120, heart_rate_high=110).full_clean()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_existing_pathway_the_old_constants_as_its_rules():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("journey", "0006_hl7_bookings_in")]
    after = [("journey", "0007_news2_rounds_handover")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("journey", "Pathway").objects.create(code="older", name="Older pathway")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    rules = RoundRules.objects.get(pathway__code="older")
    assert (rules.spo2_red_flag_below, rules.baseline_change_percent, rules.severe_pain_from) == (92, 20, 7)
    assert rules.safe_ranges()["heart_rate"] == (50, 110)
