"""Rules and templates on real servers: the seeded defaults and the silent types listed, a
rule with the variables its templates may use, an admin's edit (refused when a template
cannot work), a reset, and edits kept when another instance starts on the same database."""

from typing import Any

import pytest

from services.notify.bootstrap import build
from services.notify.domain.rules import DEFAULT_RULES, SILENT
from services.notify.rule_handlers import RuleBook
from shared.contracts.commands import notify as commands
from shared.contracts.rpc import Invalid, NotFound
from tests.integration.notify.conftest import ADMIN, Notify
from tests.integration.service_harness import running

pytestmark = pytest.mark.integration


def wish_claimed(**changes: Any) -> commands.PutRule:
    body: dict[str, Any] = {
        "event_type": "WishClaimed",
        "audiences": ["entered_by", "community_admins"],
        "priority": "low",
        "channels": ["inbox", "email"],
        "templates": {
            "zh-CN": {
                "title": "有人认领了「{{ title }}」",
                "body": "{{ claimant.name or '志愿者' }} 认领了心愿，请告诉{{ proxy_for }}。",
            },
            "en": {"title": "Claimed: {{ title }}", "body": "{{ claimant.name }} claimed it."},
        },
    }
    return commands.PutRule.model_validate({**body, **changes})


async def get_rule(notify: Notify, event_type: str) -> dict[str, Any]:
    rule: dict[str, Any] = await notify.call(
        commands.GET_RULE, commands.GetRule(event_type=event_type)
    )
    return rule


async def test_the_defaults_are_seeded_and_the_silent_types_listed_with_reasons(
    notify: Notify,
) -> None:
    listed = await notify.call(commands.LIST_RULES, commands.ListRules())
    rules = {rule["event_type"]: rule for rule in listed["items"]}
    assert set(rules) == set(DEFAULT_RULES)
    assert rules["RequestCreated"]["audiences"] == ["community_admins"]
    assert rules["RequestCreated"]["service"] == "requests"
    assert rules["RequestCreated"]["templates"]["zh-CN"]["title"].endswith("新诉求：{{ title }}")
    assert not any(rule["customised"] for rule in rules.values())
    silent = {entry["event_type"]: entry["reason"] for entry in listed["silent"]}
    assert silent == SILENT
    assert "never notify about notifications" in silent["NotificationSent"]


async def test_a_rule_comes_with_the_variables_it_may_use_and_a_preview(notify: Notify) -> None:
    rule = await get_rule(notify, "ActivityPublished")
    assert rule["audiences"] == ["activity_audience"] and rule["silent"] is None
    assert "wecom_robot" in rule["channels"]
    assert "activity.place" in rule["variables"]["activity"]
    assert {"recipient_name", "community_name", "link"} <= set(rule["variables"])
    assert rule["preview"]["zh-CN"]["title"].startswith("活动报名：")
    assert "{{" not in rule["preview"]["en"]["body"]

    silent = await get_rule(notify, "MemberUpdated")
    assert silent["silent"] == SILENT["MemberUpdated"]
    assert silent["templates"] is None and silent["enabled"] is False
    assert "member" in silent["variables"] and "changed" in silent["variables"]

    with pytest.raises(NotFound, match="RequestTeleported"):
        await get_rule(notify, "RequestTeleported")


async def test_an_admins_rule_is_saved_and_read_by_the_fan_out(notify: Notify) -> None:
    saved = await notify.call(commands.PUT_RULE, wish_claimed())
    assert saved["customised"] is True and saved["updated_by"] == ADMIN
    assert saved["templates"]["en"]["title"] == "Claimed: {{ title }}"

    got = await get_rule(notify, "WishClaimed")
    assert got["audiences"] == ["entered_by", "community_admins"]
    assert got["priority"] == "low" and got["channels"] == ["inbox", "email"]
    assert got["updated_at"] is not None
    assert got["preview"]["zh-CN"]["title"] == "有人认领了「3栋楼道灯不亮」"

    rule = await RuleBook(notify.runtime.db).get("WishClaimed")
    assert rule is not None and rule.zh.title == "有人认领了「{{ title }}」"
    assert rule.customised and rule.updated_by == ADMIN


async def test_a_silent_type_may_be_given_a_rule_and_a_reset_makes_it_silent_again(
    notify: Notify,
) -> None:
    cmd = commands.PutRule.model_validate(
        {
            "event_type": "VolunteerCheckedIn",
            "audiences": ["member"],
            "templates": {
                "zh-CN": {"title": "已签到", "body": "您于 {{ at | local }} 签到。"},
                "en": {"title": "Checked in", "body": "You checked in at {{ at | local }}."},
            },
        }
    )
    await notify.call(commands.PUT_RULE, cmd)
    listed = await notify.call(commands.LIST_RULES, commands.ListRules())
    assert "VolunteerCheckedIn" in {rule["event_type"] for rule in listed["items"]}
    assert "VolunteerCheckedIn" not in {entry["event_type"] for entry in listed["silent"]}
    assert await RuleBook(notify.runtime.db).get("VolunteerCheckedIn") is not None

    reset = await notify.call(
        commands.RESET_RULE, commands.ResetRule(event_type="VolunteerCheckedIn")
    )
    assert reset["silent"] == SILENT["VolunteerCheckedIn"]
    assert await RuleBook(notify.runtime.db).get("VolunteerCheckedIn") is None


async def test_a_reset_brings_back_the_default(notify: Notify) -> None:
    await notify.call(commands.PUT_RULE, wish_claimed(enabled=False))
    assert (await get_rule(notify, "WishClaimed"))["enabled"] is False
    reset = await notify.call(commands.RESET_RULE, commands.ResetRule(event_type="WishClaimed"))
    assert reset["customised"] is False and reset["enabled"] is True
    default = DEFAULT_RULES["WishClaimed"]
    assert reset["templates"]["zh-CN"] == default.zh.model_dump()
    rule = await RuleBook(notify.runtime.db).get("WishClaimed")
    assert rule is not None and rule.zh == default.zh and rule.audiences == default.audiences
    with pytest.raises(NotFound, match="RequestTeleported"):
        await notify.call(commands.RESET_RULE, commands.ResetRule(event_type="RequestTeleported"))


async def test_a_template_with_an_unknown_variable_is_refused_naming_it(notify: Notify) -> None:
    bad = wish_claimed()
    bad.templates.zh_CN.body = "{{ claimant.name }} 的电话 {{ resident_phone }}"
    with pytest.raises(Invalid) as caught:
        await notify.call(commands.PUT_RULE, bad)
    [error] = caught.value.details
    assert error.loc == ["templates", "zh-CN", "body"] and error.type == "unknown_variable"
    assert "resident_phone" in error.msg and "claimant" in error.msg
    assert "resident_phone" in caught.value.message

    broken = wish_claimed()
    broken.templates.en.title = "{% if title %}{{ title }}"
    with pytest.raises(Invalid) as syntax:
        await notify.call(commands.PUT_RULE, broken)
    assert [(e.loc, e.type) for e in syntax.value.details] == [
        (["templates", "en", "title"], "template_syntax")
    ]
    # Nothing was saved: the default stands.
    assert (await get_rule(notify, "WishClaimed"))["customised"] is False


@pytest.mark.parametrize("event_type", ["RequestTeleported", "NotificationSent"])
async def test_a_rule_for_an_unknown_type_or_for_notifys_own_records_is_refused(
    notify: Notify, event_type: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await notify.call(commands.PUT_RULE, wish_claimed(event_type=event_type))
    assert [e.loc for e in caught.value.details] == [["event_type"]]
    assert event_type in caught.value.message
    assert await RuleBook(notify.runtime.db).get(event_type) is None


async def test_edits_survive_another_instance_starting_on_the_same_database(
    notify: Notify, nats_url: str
) -> None:
    await notify.call(commands.PUT_RULE, wish_claimed())
    rules = notify.runtime.db["rules"]
    # A default lost (the seed adds it again) and one nobody edited holding an older
    # release's text (the seed brings the code's text).
    await rules.delete_one({"_id": "StarLevelReached"})
    older = await rules.find_one({"_id": "RequestAccepted"})
    assert older is not None
    await rules.replace_one(
        {"_id": "RequestAccepted"}, {**older, "zh": {"title": "旧", "body": "旧"}}
    )

    async with running(build(notify.settings), nats_url) as second:
        book = RuleBook(second.runtime.db)
        edited = await book.get("WishClaimed")
        assert edited is not None and edited.customised
        assert edited.zh.title == "有人认领了「{{ title }}」"
        assert await book.get("StarLevelReached") == DEFAULT_RULES["StarLevelReached"]
        accepted = await book.get("RequestAccepted")
        assert accepted is not None and accepted.zh == DEFAULT_RULES["RequestAccepted"].zh
        got = await second.rpc.call(
            commands.SERVICE, commands.GET_RULE, commands.GetRule(event_type="WishClaimed")
        )
        assert got["templates"]["zh-CN"]["title"] == "有人认领了「{{ title }}」"
    assert await rules.count_documents({"_id": "WishClaimed"}) == 1
