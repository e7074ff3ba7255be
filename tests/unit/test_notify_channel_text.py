"""How messages are cut and shaped for each channel's limits. Pure."""

import json

import pytest

from services.notify.channels.base import Outgoing
from services.notify.channels.email import compose, message_id
from services.notify.channels.shorten import fit_bytes, fit_chars, one_line
from services.notify.channels.sms import template_param
from services.notify.channels.wecom_robot import message_body

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("limit", range(3, 40))
def test_fit_bytes_never_cuts_a_character(limit):
    text = "a停水通知🚰b" * 3
    fitted = fit_bytes(text, limit)
    assert len(fitted.encode()) <= limit
    assert fitted.endswith("…")
    assert text.startswith(fitted.removesuffix("…"))


def test_fit_bytes_keeps_what_fits_untouched():
    assert fit_bytes("停水", 6) == "停水"
    assert fit_bytes("停水", 5) == "…"
    assert fit_bytes("停水通知", 9) == "停水…"


def test_fit_chars_counts_characters():
    assert fit_chars("一二三四五", 5) == "一二三四五"
    assert fit_chars("一二三四五六", 5) == "一二三四…"


def test_one_line_folds_breaks_and_runs_of_space():
    assert one_line("a\r\nb\n\n c\t d") == "a b c d"


def test_robot_messages_are_markdown_or_text():
    assert message_body("标题", "正文", markdown=True) == {
        "msgtype": "markdown",
        "markdown": {"content": "**标题**\n正文"},
    }
    assert message_body("标题\n二行", "正文", markdown=False) == {
        "msgtype": "text",
        "text": {"content": "标题 二行\n正文"},
    }


def test_sms_variables_are_json_on_one_line_within_the_providers_limits():
    variables = json.loads(template_param("标" * 25, "第一行\n第二行" + "字" * 40))
    assert variables["title"] == "标" * 19 + "…"
    assert len(variables["content"]) == 35
    assert variables["content"].startswith("第一行 第二行字")


def outgoing(address: str = "a@example.com", title: str = "通知") -> Outgoing:
    return Outgoing(
        delivery_id="e1:member:m1:email",
        channel="email",
        address=address,
        language="zh-CN",
        title=title,
        body="正文",
        priority="low",
        cause_event_id="e1",
        cause_event_type="PointsChanged",
    )


def test_a_message_id_is_stable_per_delivery_and_valid():
    first = message_id("e1:member:m1:email", "redvest.local")
    assert first == message_id("e1:member:m1:email", "redvest.local")
    assert first != message_id("e2:member:m1:email", "redvest.local")
    assert first.startswith("<") and first.endswith("@redvest.local>")
    assert ":" not in first


def test_a_subject_with_a_line_break_stays_one_header():
    email = compose(outgoing(title="第一行\r\nBcc: x@example.com"), "RedVest <n@redvest.local>")
    assert email["Subject"] == "第一行 Bcc: x@example.com"
    assert email["Bcc"] is None


@pytest.mark.parametrize("address", ["no-at-sign", "a@example.com\nBcc: b@example.com"])
def test_a_bad_address_is_refused(address):
    with pytest.raises(ValueError):
        compose(outgoing(address), "RedVest <n@redvest.local>")
