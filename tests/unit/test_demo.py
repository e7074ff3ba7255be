"""`make up`'s demo data: when it is loaded, and that a POST is never sent twice."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tools import demo
from tools.demo import DemoLoadError, load_demo
from tools.demo_data import DEMO_REQUESTS
from tools.up import UpError, demo_wanted

pytestmark = pytest.mark.unit

BODY = DEMO_REQUESTS[0]


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "RETRY_INTERVAL", 0.01)
    monkeypatch.setattr(demo, "RETRY_WITHIN", 1.0)


def gateway(*posts: Any) -> tuple[httpx.MockTransport, list[str]]:
    """A gateway whose requests service answers, and whose POSTs answer `posts` in turn."""
    calls: list[str] = []
    answers = list(posts)

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "GET":
            return httpx.Response(404, json={"detail": "no request 'demo-readiness-probe'"})
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer

    return httpx.MockTransport(handle), calls


@pytest.mark.parametrize("status", [502, 503, 504, 500])
def test_a_post_answered_with_a_5xx_is_not_repeated(status: int) -> None:
    transport, calls = gateway(httpx.Response(status, json={"detail": "did not answer"}))
    with pytest.raises(DemoLoadError, match=f"-> {status} \\(not repeated"):
        load_demo("http://gw", [BODY], say=lambda _: None, transport=transport)
    assert calls.count("POST") == 1


def test_a_post_whose_answer_was_lost_is_not_repeated() -> None:
    transport, calls = gateway(httpx.ReadTimeout("no answer"))
    with pytest.raises(DemoLoadError, match="not repeated"):
        load_demo("http://gw", [BODY], say=lambda _: None, transport=transport)
    assert calls.count("POST") == 1


def test_a_post_that_could_not_connect_is_tried_again() -> None:
    transport, calls = gateway(
        httpx.ConnectError("refused"), httpx.Response(201, json={"id": "r1", **BODY})
    )
    created = load_demo("http://gw", [BODY], say=lambda _: None, transport=transport)
    assert [c["id"] for c in created] == ["r1"]
    assert calls.count("POST") == 2


def test_posts_wait_until_the_requests_service_answers() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "GET":
            ready = calls.count("GET") >= 3
            if ready:
                return httpx.Response(404, text="no request 'demo-readiness-probe'")
            return httpx.Response(503, json={"detail": "the requests service did not answer"})
        return httpx.Response(201, json={"id": "r1"})

    load_demo("http://gw", [BODY], say=lambda _: None, transport=httpx.MockTransport(handle))
    assert calls == ["GET", "GET", "GET", "POST"]


@pytest.mark.parametrize(
    ("setting", "embedded", "load"),
    [
        (None, True, True),
        ("", True, True),
        (None, False, False),
        ("0", True, False),
        ("1", False, True),
    ],
)
def test_demo_data_only_into_the_embedded_servers_unless_forced(
    setting: str | None, embedded: bool, load: bool
) -> None:
    assert demo_wanted(setting, embedded=embedded)[0] is load


def test_an_unknown_rv_demo_value_is_an_error() -> None:
    with pytest.raises(UpError, match="RV_DEMO='yes'"):
        demo_wanted("yes", embedded=True)


def test_shared_imports_neither_tools_nor_services() -> None:
    # shared/ is contracts and plumbing only: demo data and `make up` live in tools/.
    shared = Path(__file__).resolve().parents[2] / "shared"
    pattern = re.compile(r"(?m)^\s*(?:from|import)\s+(?:tools|services)\b")
    offenders = [
        str(path.relative_to(shared.parent))
        for path in shared.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
