"""Pure rules of teams: sub-squads' place, memberships and their history, counts."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry.domain import teams
from services.registry.domain.org import Unchanged
from shared.contracts.commands.registry import CreateTeam
from shared.contracts.rpc import Conflict, Invalid

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)


def team(team_id: str, parent: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    cmd = CreateTeam(name=fields.pop("name", team_id), **fields)
    return teams.new_team(cmd, team_id, parent, now=NOW, actor="user:a1")


def joined(
    doc: dict[str, Any], member_id: str, role: Any = "member", on: str = "2025-03-01"
) -> dict[str, Any]:
    return teams.join(doc, member_id, role, date.fromisoformat(on), now=NOW, actor=None)[0]


def left(doc: dict[str, Any], member_id: str, on: str) -> dict[str, Any]:
    return teams.leave(doc, member_id, date.fromisoformat(on), "搬家", now=NOW, actor=None)[0]


def test_a_subsquad_takes_its_parents_community_and_sits_below_its_path() -> None:
    top = team("hgj", community_id="quanyun")
    squad = team("xianfeng", top)
    group = team("xianfeng-1", squad)

    assert squad["community_id"] == group["community_id"] == "quanyun"
    assert group["path"] == ["hgj", "xianfeng"] and group["parent_id"] == "xianfeng"
    assert teams.event_view(group).path == ["hgj", "xianfeng"]


def test_leaders_and_deputies_are_the_current_members_with_that_role() -> None:
    doc = joined(joined(joined(team("t"), "a", "leader"), "b", "deputy"), "c")
    assert (doc["leader_ids"], doc["deputy_ids"]) == (["a"], ["b"])

    doc = left(doc, "a", "2025-06-01")
    assert doc["leader_ids"] == [] and doc["deputy_ids"] == ["b"]


def test_a_role_change_keeps_the_membership_and_the_same_role_changes_nothing() -> None:
    doc = joined(team("t"), "a")
    changed, entry = teams.join(doc, "a", "leader", date(2025, 6, 1), now=NOW, actor=None)

    assert entry["joined_on"] == "2025-03-01" and entry["role_since"] == "2025-06-01"
    assert len(changed["members"]) == 1 and changed["leader_ids"] == ["a"]
    with pytest.raises(Unchanged):
        teams.join(changed, "a", "leader", date(2025, 7, 1), now=NOW, actor=None)


def test_rejoining_opens_a_new_entry_not_before_the_last_one_closed() -> None:
    doc = left(joined(team("t"), "a"), "a", "2025-09-01")

    again = joined(doc, "a", on="2025-09-01")

    assert [(e["joined_on"], e["left_on"]) for e in again["members"]] == [
        ("2025-03-01", "2025-09-01"),
        ("2025-09-01", None),
    ]
    with pytest.raises(Invalid) as raised:
        joined(doc, "a", on="2025-08-31")
    assert raised.value.details[0].loc == ["joined_on"]


def test_leaving_needs_a_current_membership_and_a_date_not_before_joining() -> None:
    doc = joined(team("t"), "a")

    with pytest.raises(Conflict, match="not a current member"):
        left(doc, "b", "2025-06-01")
    with pytest.raises(Invalid) as raised:
        left(doc, "a", "2025-02-28")
    assert raised.value.details[0].loc == ["left_on"]
    with pytest.raises(Conflict):
        left(left(doc, "a", "2025-03-01"), "a", "2025-04-01")


def test_the_tree_counts_own_members_and_distinct_members_below() -> None:
    top = joined(joined(team("top"), "a", "leader"), "b")
    squad = joined(joined(team("s1", top), "b"), "c")
    group = joined(left(joined(team("g1", squad), "d"), "d", "2025-04-01"), "c")
    other = joined(team("s2", top), "e")

    [root] = teams.team_tree([group, other, squad, top], ["top"])

    assert (root["member_count"], root["total_member_count"]) == (2, 4)  # a, b, c, e
    s1, s2 = root["children"]
    assert (s1["id"], s1["member_count"], s1["total_member_count"]) == ("s1", 2, 2)
    assert (s1["children"][0]["member_count"], s2["total_member_count"]) == (1, 1)


def test_the_roster_shows_every_entry_with_the_given_masked_names() -> None:
    doc = joined(left(joined(team("t"), "a"), "a", "2025-04-01"), "a", on="2025-05-01")

    shown = teams.roster(doc, {"a": {"volunteer_no": "QT000001", "name": "李**"}})

    assert [(m["name"], m["joined_on"], m["left_on"]) for m in shown] == [
        ("李**", "2025-03-01", "2025-04-01"),
        ("李**", "2025-05-01", None),
    ]
    assert shown[0]["left_reason"] == "搬家" and shown[0]["volunteer_no"] == "QT000001"
