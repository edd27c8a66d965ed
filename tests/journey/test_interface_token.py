"""Interface tokens: a secret shown once, kept only as a hash, revoked rather than deleted."""

import pytest

from journey.errors import JourneyError
from journey.models import InterfaceToken
from journey.models.tokens import token_hash


def test_a_token_keeps_only_the_hash_of_its_secret(db, lead):
    token, plain = InterfaceToken.objects.issue(name="Trust integration engine", by=lead)

    token.refresh_from_db()
    assert len(plain) >= 40
    assert token.key_hash == token_hash(plain)
    assert plain not in {token.key_hash, token.name}
    assert token.key_prefix == plain[:8]


def test_the_secret_opens_its_token_and_nothing_else_does(db, lead):
    token, plain = InterfaceToken.objects.issue(name="Engine", by=lead)

    assert InterfaceToken.objects.authenticate(plain) == token
    assert InterfaceToken.objects.authenticate(plain + "x") is None
    assert InterfaceToken.objects.authenticate("") is None
    assert InterfaceToken.objects.authenticate(token.key_hash) is None


def test_a_revoked_token_opens_nothing(db, lead):
    token, plain = InterfaceToken.objects.issue(name="Engine", by=lead)

    assert token.revoke(by=lead) is True
    assert token.revoke(by=lead) is False
    assert InterfaceToken.objects.authenticate(plain) is None
    assert token.revoked_by == lead


def test_a_token_needs_a_name(db, lead):
    with pytest.raises(JourneyError, match="Name the system"):
        InterfaceToken.objects.issue(name="  ", by=lead)


def test_a_token_is_never_deleted(db, lead):
    token, _ = InterfaceToken.objects.issue(name="Engine", by=lead)

    with pytest.raises(JourneyError, match="revoked, never deleted"):
        token.delete()


def test_a_tokens_secret_is_set_once(db, lead):
    token, _ = InterfaceToken.objects.issue(name="Engine", by=lead)

    with pytest.raises(JourneyError):
        token.new_key()
