from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.requests.domain.suggestions import Candidate, best, day_part, rank

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEAK = {
    "kind": "repair",
    "location": {"community_id": "quanyun", "compound_id": "haide", "building_id": "haide-1"},
}


def volunteer(id_: str, skills: set[str], compound: str, building: str, load: int = 0) -> Candidate:
    home = {"community_id": "quanyun", "compound_id": compound, "building_id": building}
    return Candidate(
        type="volunteer",
        id=id_,
        name="李**",
        skills=frozenset(skills),
        homes=(home,),
        availability=frozenset({"weekday_morning"}),
        open_requests=load,
    )


def test_a_skilled_neighbour_with_few_open_requests_comes_first_and_says_why() -> None:
    skilled_near = volunteer("a", {"repair"}, "haide", "haide-2")
    skilled_busy = volunteer("b", {"repair"}, "haide", "haide-2", load=3)
    unskilled_same_building = volunteer("c", {"talks"}, "haide", "haide-1")
    skilled_far = volunteer("d", {"repair"}, "zhongmao", "zhongmao-1")
    ranked = rank(LEAK, [skilled_far, unskilled_same_building, skilled_busy, skilled_near])
    # b: 40 + 20 - 15 = 45, below d in another compound: 40 + 10
    assert [s.candidate.id for s in ranked] == ["a", "d", "b", "c"]
    assert ranked[0].score == 40 + 20
    assert {"zh": "同一小区", "en": "same compound"} in ranked[0].reasons
    assert {"zh": "技能对口：维修", "en": "useful skill: repair"} in ranked[0].reasons
    assert {"zh": "在办诉求 3 件", "en": "3 open requests"} in ranked[2].reasons
    assert ranked[3].reasons[0] == {"zh": "同一楼栋", "en": "same building"}


def test_ties_go_to_fewer_open_requests_and_availability_counts() -> None:
    light = volunteer("z", {"repair"}, "haide", "haide-2", load=0)
    heavy = volunteer("y", {"repair"}, "haide", "haide-2", load=1)
    available = rank(LEAK, [heavy, light], "weekday_morning")
    assert [s.candidate.id for s in available] == ["z", "y"]
    assert available[0].score == 70
    assert any(r["en"] == "available now (weekday morning)" for r in available[0].reasons)
    assert rank(LEAK, [light], "weekend_evening")[0].score == 60


def test_best_needs_a_useful_skill_when_the_kind_has_any() -> None:
    nobody_skilled = [volunteer("c", {"talks"}, "haide", "haide-1")]
    assert best(LEAK, nobody_skilled) is None
    chosen = best(LEAK, [*nobody_skilled, volunteer("d", {"repair"}, "x", "x-1")])
    assert chosen is not None and chosen.candidate.id == "d"
    assert best({**LEAK, "kind": "suggestion"}, nobody_skilled) is not None


def test_a_team_counts_its_members_skills_and_homes() -> None:
    team = Candidate(
        type="team",
        id="t",
        name="惠管家",
        skills=frozenset({"mediation"}),
        homes=({"community_id": "quanyun", "compound_id": "haide", "building_id": None},),
        community_id="quanyun",
    )
    ranked = rank({**LEAK, "kind": "neighbour_dispute"}, [team])
    assert ranked[0].score == 60 and ranked[0].skill_match


def test_the_day_part_follows_the_official_calendar() -> None:
    # Saturday 11 October 2025 was an adjusted working day; 4 October a holiday Saturday.
    assert day_part(datetime(2025, 10, 11, 9, 0, tzinfo=SHANGHAI), SHANGHAI) == "weekday_morning"
    holiday = datetime(2025, 10, 4, 19, 0, tzinfo=SHANGHAI)
    assert day_part(holiday, SHANGHAI) == "weekend_evening"
    assert day_part(datetime(2025, 10, 13, 14, 0, tzinfo=SHANGHAI), SHANGHAI) == (
        "weekday_afternoon"
    )
