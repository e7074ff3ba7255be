"""Who hears of an event (domain/audiences.py), what a member's preferences let through
(domain/preferences.py) and the context templates read (domain/message_context.py)."""

from datetime import UTC, datetime

import pytest

from services.notify.domain import audiences, message_context, preferences
from services.notify.domain.audiences import Facts, Lookups, Subject
from services.notify.domain.preferences import Preferences
from services.notify.domain.recipients import Recipient
from shared.contracts.commands.notify import QuietHours

pytestmark = pytest.mark.unit

ACTIVE = {"status": "active", "display_name": "李**"}
LEFT = {"status": "left", "display_name": "王**"}


def addresses(audience: audiences.Audience) -> list[str]:
    return [r.address for r in audience.recipients]


def test_a_building_notice_reaches_its_active_residents_and_its_robot_scope() -> None:
    data = {"notice_id": "n1", "community_id": "c1", "scope": "building:b1"}
    wanted = audiences.lookups(["notice_scope"], data, Subject())
    assert wanted == Lookups(homes=(("building", "b1"),))
    facts = Facts(
        members={"m1": ACTIVE, "m2": LEFT, "m3": ACTIVE},
        at_home={("building", "b1"): ("m1", "m2", "m3")},
    )
    audience = audiences.resolve(["notice_scope"], data, Subject(), facts)
    assert addresses(audience) == ["member:m1", "member:m3"]
    assert audience.scopes == {"building:b1"}
    assert all(r.community_id == "c1" and r.member_id for r in audience.recipients)


def test_a_team_notice_reaches_the_team_with_its_sub_squads() -> None:
    data = {"community_id": "c1", "scope": "team:t1"}
    assert audiences.lookups(["notice_scope"], data, Subject()).member_teams == ("t1",)
    facts = Facts(members={"m9": LEFT}, team_members={"t1": ("m1", "m8", "m9")})
    audience = audiences.resolve(["notice_scope"], data, Subject(), facts)
    # m8 is known only as a team member (no profile yet): told; m9 left: not told.
    assert addresses(audience) == ["member:m1", "member:m8"]
    assert audience.scopes == {"team:t1"}


def test_an_activity_reaches_its_compound_and_its_organiser_teams() -> None:
    activity = {
        "activity_id": "a1",
        "community_id": "c1",
        "compound_id": "k1",
        "organiser_team_ids": ["t1"],
        "target_group": "elders",
    }
    data = {"activity": activity}
    wanted = audiences.lookups(["activity_audience"], data, Subject())
    assert wanted.homes == (("compound", "k1"),) and wanted.member_teams == ("t1",)
    facts = Facts(
        members={"m1": ACTIVE, "m2": LEFT, "m5": ACTIVE},
        at_home={("compound", "k1"): ("m1", "m2")},
        team_members={"t1": ("m5", "m1")},
    )
    audience = audiences.resolve(["activity_audience"], data, Subject(), facts)
    assert addresses(audience) == ["member:m1", "member:m5"]
    assert audience.scopes == {"compound:k1", "team:t1"}


def test_an_activity_without_a_compound_reaches_its_community_known_from_the_projection() -> None:
    subject = Subject(activity={"community_id": "c1", "organiser_team_ids": []})
    data = {"activity_id": "a1"}
    assert audiences.lookups(["activity_audience"], data, subject).homes == (("community", "c1"),)


def test_a_personal_notice_reaches_an_inactive_member_and_a_merged_one_goes_to_the_kept() -> None:
    home = {"home_community_id": "c2"}
    facts = Facts(
        members={"m2": {**LEFT, **home}, "old": {"status": "merged", "merged_into": "m7"}}
    )
    left = audiences.resolve(["member"], {"member_id": "m2"}, Subject(), facts)
    assert addresses(left) == ["member:m2"] and left.scopes == frozenset()
    assert left.recipients[0].community_id == "c2"  # no community in the event: their home
    merged = audiences.resolve(["member"], {"member_id": "old"}, Subject(), facts)
    assert addresses(merged) == ["member:m7"]
    assert audiences.lookups(["member"], {"member_id": "old"}, Subject()).member_ids == ("old",)


def test_the_resident_is_the_member_else_whoever_entered_the_request() -> None:
    data = {"request_id": "r1", "community_id": "c1"}
    member = Subject(request={"resident_member_id": "m3", "entered_by": "user:a1"})
    assert addresses(audiences.resolve(["resident"], data, member, Facts())) == ["member:m3"]
    entered = Subject(request={"resident_member_id": None, "entered_by": "user:a1"})
    assert addresses(audiences.resolve(["resident"], data, entered, Facts())) == ["account:a1"]
    by_key = Subject(request={"resident_member_id": None, "entered_by": "api_key:k1"})
    assert addresses(audiences.resolve(["resident"], data, by_key, Facts())) == []


def test_entered_by_reads_the_wish() -> None:
    subject = Subject(wish={"entered_by": "user:a7", "community_id": "c1"})
    audience = audiences.resolve(["entered_by"], {"wish_id": "w1"}, subject, Facts())
    assert addresses(audience) == ["account:a7"]
    assert audience.recipients[0].community_id == "c1"


def test_the_handler_is_the_handling_member_else_the_team_leaders() -> None:
    team = {"type": "team", "id": "t1", "member_id": None}
    data = {"request_id": "r1", "community_id": "c1", "handler": team}
    assert audiences.lookups(["handler"], data, Subject()).leader_teams == ("t1",)
    facts = Facts(teams={"t1": {"leader_ids": ["m1"], "deputy_ids": ["m2"]}})
    assert addresses(audiences.resolve(["handler"], data, Subject(), facts)) == [
        "member:m1",
        "member:m2",
    ]
    person = Subject(request={"handler": {"type": "team", "id": "t1", "member_id": "m4"}})
    assert addresses(audiences.resolve(["handler"], {"request_id": "r1"}, person, Facts())) == [
        "member:m4"
    ]


def test_admins_desk_touches_the_staff_scope_and_volunteers_are_deduplicated() -> None:
    data = {
        "activity_id": "a1",
        "community_id": "c1",
        "volunteer_member_ids": ["m1", "m2"],
        "participant_member_ids": ["m2", "m3"],
    }
    audience = audiences.resolve(["volunteers", "community_admins"], data, Subject(), Facts())
    assert addresses(audience) == [
        "member:m1",
        "member:m2",
        "member:m3",
        "role:community_admin@community:c1",
    ]
    assert audience.scopes == {"staff:c1"}


def test_team_leaders_of_the_organiser_teams() -> None:
    data = {"activity_id": "a1", "community_id": "c1", "organiser_team_ids": ["t1", "t2"]}
    facts = Facts(teams={"t1": {"leader_ids": ["m1"]}, "t2": {"leader_ids": ["m1", "m2"]}})
    audience = audiences.resolve(["team_leaders"], data, Subject(), facts)
    assert addresses(audience) == ["member:m1", "member:m2"]


def test_a_resident_reached_by_proxy_is_also_told_in_the_volunteer_inbox() -> None:
    found = (Recipient("member:r1", "c1", "r1"), Recipient("member:v2", "c1", "v2"))
    told = audiences.with_proxies(found, {"r1": "v1", "v2": "v9", "r2": "v1"})
    assert [(r.address, r.proxy_for) for r in told] == [
        ("member:r1", None),
        ("member:v2", None),
        ("member:v1", "r1"),
        ("member:v9", "v2"),
    ]
    # A volunteer told directly is not told again on someone's behalf.
    direct = audiences.with_proxies(found, {"r1": "v2"})
    assert [(r.address, r.proxy_for) for r in direct] == [
        ("member:r1", None),
        ("member:v2", None),
    ]


def test_effective_channels_need_a_choice_an_address_and_a_configured_channel() -> None:
    quiet = ("22:00", "07:00")
    never_chose = preferences.effective(None, ["inbox", "sms"], {"inbox", "sms"}, quiet)
    assert never_chose.channels == ["inbox"]
    assert (never_chose.quiet_start, never_chose.quiet_end) == quiet
    prefs = Preferences(
        member_id="m1",
        channels=["inbox", "email", "sms"],
        email="li.lei@example.com",
        language="en",
        quiet_hours=None,
    )
    chosen = preferences.effective(prefs, ["inbox", "email", "sms"], {"inbox", "sms"}, quiet)
    assert chosen.channels == ["inbox"]  # sms: no phone; e-mail: not set up here
    assert chosen.language == "en" and chosen.quiet_start is None
    with_phone = prefs.model_copy(update={"phone": "13812341234"})
    all_set = preferences.effective(with_phone, ["email", "sms"], {"email", "sms"}, quiet)
    assert all_set.channels == ["email", "sms"]  # the rule leaves the inbox out
    opted_out = prefs.model_copy(update={"channels": ["email"], "quiet_hours": QuietHours()})
    mail = preferences.effective(opted_out, ["inbox", "email"], {"email"}, quiet)
    assert mail.channels == ["email"] and mail.quiet_start == "21:00"


def test_preferences_view_masks_addresses() -> None:
    prefs = Preferences(member_id="m1", email="li.lei@example.com", phone="13812341234")
    shown = preferences.view(prefs, stored=True)
    assert shown["email"] == "li***@example.com" and shown["phone"] == "138****1234"
    assert shown["has_email"] and shown["has_phone"]
    assert preferences.mask_email(shown["email"]) == shown["email"]


def test_context_variables_and_the_proxy_mark() -> None:
    data = {"request_id": "r1", "community_id": "c1"}
    subject = Subject(request={"title": "楼道灯不亮"})
    context = message_context.event_context(
        data,
        subject,
        subdistrict="quantang",
        occurred_at=datetime(2031, 3, 9, 18, 30, tzinfo=UTC),
        tz="Asia/Shanghai",
        community_name="泉韵社区",
        team_name=None,
    )
    assert context["event_time"] == "2031-03-10 02:30"
    assert context["link"] == "/console/requests/r1"
    assert context["subject_title"] == "楼道灯不亮" and context["community_name"] == "泉韵社区"
    desk = Recipient("role:community_admin@community:c1", "c1")
    assert message_context.recipient_name(desk, "zh-CN", {}) == "社区工作人员"
    volunteer = Recipient("member:v1", "c1", "v1", proxy_for="r1")
    who = message_context.recipient_context(volunteer, "en", {"v1": "张*", "r1": "王**"})
    assert who == {"recipient_name": "张*", "proxy_for": "王**"}
    assert message_context.proxy_title("诉求已办结", "王**", "zh-CN") == "【代收】王**：诉求已办结"
    assert message_context.proxy_title("Resolved", "王**", "en") == "[For 王**] Resolved"
    assert message_context.uses_recipient(["{{ recipient_name }}，您好"])
    assert not message_context.uses_recipient(["{{ title }}"])


@pytest.mark.parametrize(
    ("data", "subject", "path"),
    [
        ({"request_id": "r1", "community_id": "c1"}, Subject(), "/console/requests/r1"),
        ({"wish_id": "w1", "community_id": "c1"}, Subject(), "/console/wishes"),
        ({"notice_id": "n1"}, Subject(), "/console/inbox"),
        ({"activity": {"activity_id": "a1"}}, Subject(), "/console/activities/a1"),
        ({"signup_id": "s1"}, Subject(activity={"activity_id": "a2"}), "/console/activities/a2"),
        ({"member": {"member_id": "m1"}}, Subject(), "/console/org/members/m1"),
        ({"member_id": "m2", "level": 1}, Subject(), "/console/org/members/m2"),
        ({}, Subject(), "/console/"),
    ],
)
def test_a_notice_links_to_the_console_page_of_what_it_is_about(
    data: dict[str, object], subject: Subject, path: str
) -> None:
    # The console's own routes (console/src/pages/*/routes.js).
    assert message_context.link(data, subject) == path
