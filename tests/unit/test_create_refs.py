"""What the gateway adds to a create: who entered it and the retry reference, both from the
caller it signed in, never from the body."""

import pytest

from services.gateway.routes.requests import client_ref, entered_by
from tests.factories import api_key, person

pytestmark = pytest.mark.unit


def test_entered_by_names_the_caller() -> None:
    assert entered_by(person()) == "user:u"
    assert entered_by(person(), via="open311") == "user:u"
    assert entered_by(api_key("write")) == "api_key:k"
    assert entered_by(api_key("write"), via="open311") == "open311:k"


def test_the_client_ref_is_per_caller_and_key() -> None:
    assert client_ref(person(), None) is None and client_ref(person(), "") is None
    mine = client_ref(person(), "k1")
    assert mine is not None and len(mine) == 64 and int(mine, 16) >= 0
    assert client_ref(person(), "k1") == mine
    assert client_ref(person(), "k2") != mine
    assert client_ref(api_key(), "k1") != client_ref(person(), "k1")  # another caller
