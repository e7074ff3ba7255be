"""The committed contract documents are exactly what the code generates."""

import pytest

from tools import gen_docs

pytestmark = pytest.mark.unit


def test_committed_docs_match_the_code() -> None:
    stale = gen_docs.stale()
    assert not stale, f"regenerate with `make docs`: {stale}"


def test_every_event_type_has_a_schema_and_appears_in_its_service_asyncapi() -> None:
    documents = gen_docs.documents()
    index = documents["events/index.json"]
    assert {e["name"] for e in index} >= {"RequestCreated", "NotificationSent"}
    for entry in index:
        assert f"events/{entry['type']}.json" in documents
        service = entry["type"].split(".")[2]
        asyncapi = documents[f"asyncapi/{service}.json"]
        assert asyncapi["asyncapi"] == "3.0.0"
        assert entry["name"] in asyncapi["components"]["schemas"]


def test_no_channel_is_documented_with_an_empty_payload() -> None:
    documents = gen_docs.documents()
    for name in ("registry", "activities", "requests", "notify"):
        text = str(documents[f"asyncapi/{name}.json"])
        assert "EmptyPayload" not in text, f"{name}: a channel lacks its payload schema"
    requests = documents["asyncapi/requests.json"]["components"]["schemas"]
    assert {"CreateRequest", "RequestCreatedEvent", "Location"} <= set(requests)
