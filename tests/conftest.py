from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db.backends.base.operations import BaseDatabaseOperations

from journey import roles
from tests.makers import make_journey, make_pathway, make_user
from tests.tamper import audit_guard_lifted

_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_past_the_audit_guard(self, sql_list):
    """A transactional test's clean-up empties every table: lift the audit table's triggers for it."""
    with audit_guard_lifted(self.connection):
        _flush(self, sql_list)


BaseDatabaseOperations.execute_sql_flush = _flush_past_the_audit_guard  # type: ignore[method-assign]

# A fixed morning on the unit; tests that depend on the clock pin it here with time-machine.
MORNING = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached board render (SQLite may reuse ids after a rollback)."""
    cache.clear()


@pytest.fixture
def nurse(db):
    return make_user(roles.NURSE, first_name="Nora", last_name="Nurse")


@pytest.fixture
def other_nurse(db):
    return make_user(roles.NURSE, first_name="Olu", last_name="Other")


@pytest.fixture
def lead(db):
    return make_user(roles.CLINICAL_LEAD, first_name="Lena", last_name="Lead")


@pytest.fixture
def coordinator(db):
    return make_user(roles.COORDINATOR)


@pytest.fixture
def display(db):
    return make_user(roles.DISPLAY)


@pytest.fixture
def pathway(db):
    return make_pathway()


@pytest.fixture
def morning(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return MORNING


@pytest.fixture
def journey(pathway, nurse, morning):
    return make_journey(pathway, nurse, now=morning)
