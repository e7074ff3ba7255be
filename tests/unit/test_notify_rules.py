"""The notify rules: every event type has a default rule or a reason to be silent, every
default's templates use known variables and render, priorities, and what a saved rule must
satisfy."""

from datetime import UTC, datetime
from typing import Any

import pytest

from services.notify.domain import rule_editing, rules, samples, templates
from services.notify.domain.rules import (
    DEFAULT_RULES,
    NEVER_NOTIFIED,
    SILENT,
    Rule,
    event_models,
    priority_of,
)
from services.requests.domain.model import submit
from shared.contracts.catalogue import catalogue
from shared.contracts.commands.notify import PutRule
from shared.contracts.commands.requests import CreateRequest
from shared.contracts.events.notify import NoticePosted
from shared.contracts.events.requests import RequestCreated

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


def notified_types() -> set[str]:
    """What other services emit, and the notices staff post through notify."""
    specs = catalogue().values()
    return {s.name for s in specs if s.service != "notify"} | {NoticePosted.__name__}


def test_every_event_type_has_a_default_rule_or_a_reason_to_be_silent() -> None:
    every = {spec.name for spec in catalogue().values()}
    neither = sorted(every - set(DEFAULT_RULES) - set(SILENT))
    assert neither == [], f"add a default rule or a SILENT reason in rules.py for: {neither}"
    assert set(DEFAULT_RULES) & set(SILENT) == set()
    assert sorted((set(DEFAULT_RULES) | set(SILENT)) - every) == []
    assert notified_types() <= every
    assert all(reason.strip() for reason in SILENT.values())


def test_notify_never_notifies_about_its_own_notifications_but_posts_notices() -> None:
    assert "NoticePosted" in DEFAULT_RULES
    assert {"NotificationSent", "NotificationFailed"} <= set(SILENT)
    assert NEVER_NOTIFIED == {"NotificationSent", "NotificationFailed"}


def test_each_rule_is_keyed_by_its_own_event_type() -> None:
    assert all(name == rule.event_type for name, rule in DEFAULT_RULES.items())
    assert not any(rule.customised for rule in DEFAULT_RULES.values())


@pytest.mark.parametrize("name", sorted(DEFAULT_RULES))
def test_a_default_rule_uses_only_its_events_variables_and_renders_in_both_languages(
    name: str,
) -> None:
    rule = DEFAULT_RULES[name]
    allowed = set(templates.variables_for(name))
    for text in (rule.zh.title, rule.zh.body, rule.en.title, rule.en.body):
        assert templates.check(text, allowed) == [], text
    for full in (True, False):
        variables = samples.sample(name, full=full)
        for language in (rule.zh, rule.en):
            title = templates.render(language.title, variables, TZ)
            body = templates.render(language.body, variables, TZ)
            assert title and body
            assert "None" not in title + body and "{{" not in title + body


def test_personal_notices_go_to_no_group_robot_and_routine_credits_send_no_sms() -> None:
    group = {"activity_audience", "notice_scope", "community_admins"}
    for rule in DEFAULT_RULES.values():
        if "wecom_robot" in rule.channels:
            assert group & set(rule.audiences), rule.event_type
        if rule.priority == "low":
            assert "sms" not in rule.channels, rule.event_type
        assert "inbox" in rule.channels, rule.event_type
    assert DEFAULT_RULES["ServiceHoursCredited"].priority == "low"
    assert DEFAULT_RULES["PointsChanged"].priority == "low"
    assert not any(rule.priority == "urgent" for rule in DEFAULT_RULES.values())


def test_the_issues_rules_speak_to_whom_it_says() -> None:
    audiences = {name: rule.audiences for name, rule in DEFAULT_RULES.items()}
    assert audiences["VolunteerAssigned"] == ["member"]
    assert audiences["RequestResolved"] == ["resident"]
    assert "community_admins" in audiences["RequestOverdue"]
    assert audiences["RequestEscalated"] == ["community_admins"]
    assert audiences["ActivityPublished"] == ["activity_audience"]
    assert audiences["WaitlistPromoted"] == ["member"]
    assert audiences["ActivityReminderDue"] == ["volunteers"]
    assert audiences["StarLevelReached"] == ["member"]
    assert audiences["WishClaimed"] == ["entered_by"]
    assert audiences["NoticePosted"] == ["notice_scope"]


# --- RequestCreated, as the requests service makes it --------------------------------------


def request_created(**overrides: Any) -> RequestCreated:
    body = {"kind": "repair", "title": "漏水", "location": {"community_id": "jingxing"}}
    _, event = submit(CreateRequest.model_validate({**body, **overrides}), request_id="r1", now=NOW)
    return event


def rendered(rule: Rule, event: RequestCreated) -> dict[str, str]:
    variables = event.model_dump(mode="json")
    return {
        "zh.title": templates.render(rule.zh.title, variables, TZ),
        "zh.body": templates.render(rule.zh.body, variables, TZ),
        "en.title": templates.render(rule.en.title, variables, TZ),
        "en.body": templates.render(rule.en.body, variables, TZ),
    }


def test_a_new_request_tells_its_community_admins_urgently_when_urgent_in_both_languages() -> None:
    rule = DEFAULT_RULES["RequestCreated"]
    assert rule.audiences == ["community_admins"]
    event = request_created(urgency="emergency", title="燃气味")
    texts = rendered(rule, event)
    assert texts["zh.title"] == "【紧急】新诉求：燃气味"
    assert texts["en.title"] == "[URGENT] New request: 燃气味"
    assert priority_of(rule, event) == "urgent"
    calm = rendered(rule, request_created(title="燃气味"))
    assert calm["zh.title"] == "新诉求：燃气味" and calm["en.title"] == "New request: 燃气味"


def test_a_new_request_names_its_kind_in_chinese_and_in_english() -> None:
    texts = rendered(DEFAULT_RULES["RequestCreated"], request_created(kind="neighbour_dispute"))
    assert texts["zh.body"] == "社区收到一条新的居民诉求（邻里纠纷），请及时受理。"
    assert "(Neighbour dispute)" in texts["en.body"]


def test_an_older_request_event_without_the_kind_name_still_renders_with_its_code() -> None:
    older = request_created().model_copy(update={"kind_name": None})
    texts = rendered(DEFAULT_RULES["RequestCreated"], older)
    assert "（repair）" in texts["zh.body"] and "(repair)" in texts["en.body"]


# --- Priorities ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "expected"), [("normal", "normal"), ("urgent", "urgent"), ("emergency", "urgent")]
)
def test_a_requests_urgency_raises_the_rules_priority(urgency: str, expected: str) -> None:
    rule = DEFAULT_RULES["RequestCreated"]
    assert priority_of(rule, request_created(urgency=urgency)) == expected
    as_json = request_created(urgency=urgency).model_dump(mode="json")
    assert priority_of(rule, as_json) == expected
    low = rule.model_copy(update={"priority": "low"})
    assert priority_of(low, request_created(urgency=urgency)) == (
        "urgent" if expected == "urgent" else "low"
    )


@pytest.mark.parametrize("chosen", ["urgent", "normal", "low"])
def test_a_posted_notice_has_the_priority_its_author_chose(chosen: str) -> None:
    notice = NoticePosted.model_validate(
        {**samples.sample("NoticePosted", full=True), "priority": chosen}
    )
    assert priority_of(DEFAULT_RULES["NoticePosted"], notice) == chosen


def test_a_priority_field_of_another_event_does_not_change_its_rules_priority() -> None:
    rule = DEFAULT_RULES["ActivityPublished"]
    assert priority_of(rule, {"priority": "urgent"}) == "normal"


# --- What an admin's rule must satisfy -----------------------------------------------------


def put_rule(event_type: str, **texts: str) -> PutRule:
    base = {"zh_title": "标题", "zh_body": "正文", "en_title": "Title", "en_body": "Body"}
    t = {**base, **texts}
    return PutRule.model_validate(
        {
            "event_type": event_type,
            "audiences": ["community_admins"],
            "templates": {
                "zh-CN": {"title": t["zh_title"], "body": t["zh_body"]},
                "en": {"title": t["en_title"], "body": t["en_body"]},
            },
        }
    )


def test_a_template_with_an_unknown_variable_is_refused_naming_the_part_and_the_allowed() -> None:
    cmd = put_rule("RequestOverdue", zh_body="{{ deadline | local }} {{ resident_phone }}")
    [error] = rule_editing.template_errors(cmd, TZ)
    assert error.loc == ["templates", "zh-CN", "body"]
    assert error.type == "unknown_variable"
    assert "resident_phone" in error.msg
    assert "deadline" in error.msg and "subject_title" in error.msg


def test_a_template_that_does_not_parse_is_refused_with_the_line() -> None:
    cmd = put_rule("WishClaimed", en_title="{% if title %}{{ title }}")
    [error] = rule_editing.template_errors(cmd, TZ)
    assert error.loc == ["templates", "en", "title"]
    assert error.type == "template_syntax" and "line 1" in error.msg


def test_a_template_that_fails_when_an_optional_field_is_empty_is_refused() -> None:
    cmd = put_rule("RequestOverdue", en_body="Handled by {{ handler.name }}")
    [error] = rule_editing.template_errors(cmd, TZ)
    assert error.loc == ["templates", "en", "body"]
    assert error.type == "template_render" and "optional fields empty" in error.msg
    guarded = put_rule("RequestOverdue", en_body="{{ handler.name if handler else '' }}")
    assert rule_editing.template_errors(guarded, TZ) == []


def test_every_part_at_fault_is_named() -> None:
    cmd = put_rule("WishClaimed", zh_title="{{ nope }}", en_body="{{ also_nope }}")
    assert [e.loc for e in rule_editing.template_errors(cmd, TZ)] == [
        ["templates", "zh-CN", "title"],
        ["templates", "en", "body"],
    ]


def test_a_rule_for_an_unknown_type_or_for_notifys_own_records_is_refused() -> None:
    unknown = rule_editing.event_type_error("RequestTeleported")
    assert unknown is not None and unknown.loc == ["event_type"]
    assert "RequestCreated" in unknown.msg and "NotificationSent" not in unknown.msg
    own = rule_editing.event_type_error("NotificationSent")
    assert own is not None and own.type == "never_notified"
    assert rule_editing.event_type_error("MemberUpdated") is None  # silent, may get a rule


def test_a_saved_rule_is_customised_and_keeps_who_and_when() -> None:
    cmd = put_rule("WishClaimed")
    rule = rule_editing.from_command(cmd, by="user:a1", now=NOW)
    assert rule.customised and rule.updated_by == "user:a1" and rule.updated_at == NOW
    assert rule_editing.from_doc(rule_editing.to_doc(rule)) == rule
    view = rule_editing.view(rule)
    assert view["templates"] == {
        "zh-CN": {"title": "标题", "body": "正文"},
        "en": {"title": "Title", "body": "Body"},
    }
    assert view["service"] == "requests" and view["has_default"] is True


def test_samples_exist_for_every_event_type() -> None:
    for name, model in event_models().items():
        for full in (True, False):
            model.model_validate(samples.sample(name, full=full))


def test_events_about_an_activity_already_over_tell_nobody() -> None:
    now = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)
    ended = {"activity": {"ends_at": "2026-05-20T10:00:00+00:00"}}
    coming = {"activity": {"ends_at": "2026-06-01T10:00:00+00:00"}}
    assert rules.outdated("ActivityPublished", ended, now)
    assert not rules.outdated("ActivityPublished", coming, now)
    assert rules.outdated("ActivityReminderDue", {"starts_at": "2026-05-27T08:00:00Z"}, now)
    assert not rules.outdated("WaitlistPromoted", {"starts_at": "2026-05-28T08:00:00Z"}, now)
    # Anything else is never outdated by a date it carries.
    assert not rules.outdated("RequestOverdue", {"deadline": "2026-05-01T00:00:00Z"}, now)
