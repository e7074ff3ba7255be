"""A delivery's steps (claim, sent, failed, dead, deferred, retried by an admin), the digest
text, and how the delivery log masks addresses."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.notify.delivery_views import delivery_view
from services.notify.domain import delivery_states as states
from services.notify.domain import digest
from services.notify.domain.masking import mask_email
from shared.contracts.rpc import Conflict

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=2)


def delivery(**fields: Any) -> dict[str, Any]:
    doc = {
        "_id": "e1:member:m1:sms",
        "cause_event_id": "e1",
        "cause_event_type": "RequestResolved",
        "recipient": "member:m1",
        "community_id": "c1",
        "channel": "sms",
        "address": "13812341234",
        "language": "zh-CN",
        "priority": "normal",
        "title": "诉求已办结",
        "body": "联系 13900000456 或 li.lei@example.com",
        "payload": {"secret": "s"},
        "status": "pending",
        "due_at": NOW,
        "digest": False,
        "attempts": 0,
        "history": [],
        "last_error": None,
        "created_at": NOW,
        "sent_at": None,
        "claimed_until": None,
    }
    return {**doc, **fields}


def test_a_claim_holds_the_delivery_until_it_expires() -> None:
    claimed = states.claim(delivery(), NOW, LATER, "t1")
    assert claimed["claim"] == "t1" and claimed["claimed_until"] == LATER
    assert claimed["due_at"] == LATER  # the due query skips it while held
    with pytest.raises(states.NotClaimable):
        states.claim(claimed, NOW + timedelta(seconds=1), LATER, "t2")
    # The sender died: past the expiry another takes it over, and the first one's outcome
    # no longer counts.
    taken = states.claim(claimed, LATER, LATER + timedelta(minutes=2), "t2")
    with pytest.raises(states.ClaimLost):
        states.sent(taken, "t1", LATER)


@pytest.mark.parametrize(
    "doc", [delivery(status="sent"), delivery(status="dead"), delivery(due_at=LATER)]
)
def test_only_a_due_pending_delivery_is_claimed(doc: dict[str, Any]) -> None:
    with pytest.raises(states.NotClaimable):
        states.claim(doc, NOW, LATER, "t1")


def test_sent_records_the_attempt_and_the_event() -> None:
    claimed = states.claim(delivery(attempts=2), NOW, LATER, "t1")
    new, event = states.sent(claimed, "t1", NOW)
    assert (new["status"], new["attempts"], new["sent_at"]) == ("sent", 3, NOW)
    assert new["claim"] is None and new["claimed_until"] is None
    assert new["history"] == [{"at": NOW, "ok": True, "error": None}]
    assert (event.notification_id, event.audience, event.channel) == (
        "e1:member:m1:sms",
        "member:m1",
        "sms",
    )
    assert (event.attempts, event.digest, event.cause_event_type) == (3, False, "RequestResolved")


def test_a_retryable_failure_waits_then_the_last_one_is_dead() -> None:
    claimed = states.claim(delivery(), NOW, LATER, "t1")
    retry_at = NOW + timedelta(seconds=40)
    new, event = states.failed(
        claimed, "t1", NOW, "HTTP 502", retryable=True, max_attempts=2, retry_at=retry_at
    )
    assert event is None
    assert (new["status"], new["attempts"], new["due_at"], new["last_error"]) == (
        "pending",
        1,
        retry_at,
        "HTTP 502",
    )
    again = states.claim(new, retry_at, retry_at + timedelta(minutes=2), "t2")
    dead, failed = states.failed(
        again, "t2", retry_at, "HTTP 503", retryable=True, max_attempts=2, retry_at=LATER
    )
    assert dead["status"] == "dead" and dead["attempts"] == 2
    assert [a["error"] for a in dead["history"]] == ["HTTP 502", "HTTP 503"]
    assert failed is not None and (failed.attempts, failed.error) == (2, "HTTP 503")


def test_an_error_quoting_the_address_is_kept_and_emitted_masked() -> None:
    claimed = states.claim(delivery(), NOW, LATER, "t1")
    error = "550 5.1.1 <li.lei@example.com> unknown; 13812341234 blocked"
    dead, failed = states.failed(
        claimed, "t1", NOW, error, retryable=False, max_attempts=6, retry_at=LATER
    )
    masked = "550 5.1.1 <li***@example.com> unknown; 138****1234 blocked"
    assert dead["last_error"] == dead["history"][0]["error"] == masked
    assert failed is not None and failed.error == masked


def test_a_non_retryable_failure_is_dead_at_once() -> None:
    claimed = states.claim(delivery(), NOW, LATER, "t1")
    dead, failed = states.failed(
        claimed, "t1", NOW, "bad number", retryable=False, max_attempts=6, retry_at=LATER
    )
    assert dead["status"] == "dead" and failed is not None and failed.attempts == 1


def test_deferred_for_a_rate_slot_is_not_an_attempt() -> None:
    claimed = states.claim(delivery(), NOW, LATER, "t1")
    new = states.defer(claimed, "t1", NOW + timedelta(seconds=30))
    assert new["due_at"] == NOW + timedelta(seconds=30)
    assert (new["attempts"], new["history"], new["claim"]) == (0, [], None)


def test_an_admin_retries_only_a_dead_delivery() -> None:
    dead = delivery(status="dead", attempts=6, history=[{"at": NOW, "ok": False, "error": "x"}])
    new = states.retried_by_admin(dead, LATER, "user:a1")
    assert (new["status"], new["attempts"], new["due_at"]) == ("pending", 0, LATER)
    assert new["history"][0]["error"] == "x"
    assert new["history"][-1]["note"] == "retried by user:a1"
    with pytest.raises(Conflict, match="is pending"):
        states.retried_by_admin(new, LATER, "user:a1")


def test_a_digest_lists_every_message_in_the_members_language() -> None:
    items = [
        digest.Item("积分变动", "+10 分"),
        digest.Item("服务时长", "2 小时\n已记入"),
        digest.Item("欢迎", ""),
    ]
    title, body = digest.render(items, "zh-CN")
    assert title == "今日通知摘要（3 条）"
    assert body == "1. 积分变动：+10 分\n2. 服务时长：2 小时 已记入\n3. 欢迎"
    title, body = digest.render(items[:1], "en")
    assert (title, body) == ("Today's notifications (1)", "1. 积分变动: +10 分")


def test_the_log_masks_addresses_and_leaves_out_the_payload() -> None:
    assert mask_email("li.lei@example.com") == "li***@example.com"
    assert mask_email("x@example.com") == "x***@example.com"
    sms = delivery_view(delivery(last_error="number 13812341234 refused"))
    assert sms["address"] == "138****1234"
    assert "payload" not in sms and "secret" not in str(sms)
    assert sms["body"] == "联系 139****0456 或 li***@example.com"
    assert sms["last_error"] == "number 138****1234 refused"
    email = delivery_view(delivery(channel="email", address="li.lei@example.com"))
    assert email["address"] == "li***@example.com"
    robot = delivery_view(delivery(channel="wecom_robot", address="building-7"))
    assert robot["address"] == "building-7"
