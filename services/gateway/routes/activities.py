"""Activities (志愿服务活动): the managed list of types, planning and the lifecycle (draft →
published → completed | cancelled), recurring series, the calendar, one activity with its
roster, a volunteer's activities and the stats. Sign-ups and attendance are in
activities_attendance.py. Who reaches what: services/gateway/activity_targets.py."""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from services.gateway import service_rpc
from services.gateway.accounts.model import Role
from services.gateway.activity_targets import (
    ORGANISERS,
    VISIBLE_TO_VOLUNTEERS,
    activity_or_open,
    activity_team,
    as_organiser,
    calendar_target,
    find_team,
    new_activity_target,
    query_team_or_community,
    reaches,
    volunteer_member,
)
from services.gateway.authz import Scope, Target, rule
from services.gateway.registry_targets import member_self, team_line
from services.gateway.service_rpc import command
from services.gateway.targets import found_resource, not_found
from services.gateway.volunteer_view import volunteer_view
from shared.contracts.commands import activities as commands
from shared.contracts.rpc import FieldError, Forbidden, Invalid

router = APIRouter(tags=["activities"])

ACTIVITIES = "/api/v1/activities"
ACTIVITY = ACTIVITIES + "/{activity_id}"
MANAGERS = tuple(sorted(ORGANISERS))
READERS = (*MANAGERS, Role.VOLUNTEER, Role.INTEGRATION)
VOLUNTEER_NOTE: Final = (
    "A volunteer reads any published or completed activity: the volunteers on each role by "
    "masked name, the participants as counts, and their own sign-ups and attendance in "
    "full; a draft or cancelled one answers them 404."
)


async def ask(request: Request, name: str, body: BaseModel, **options: Any) -> Any:
    """One activities command, as the caller the rule signed in."""
    return await service_rpc.ask(request, commands.SERVICE, name, body, **options)


# -- types -----------------------------------------------------------------------------------


@router.get(
    "/api/v1/activity-types",
    summary="The managed list of activity types",
    **rule(scope=Scope.AUTHENTICATED),
)
async def list_activity_types(request: Request) -> Any:
    return await ask(request, commands.LIST_ACTIVITY_TYPES, commands.ListActivityTypes())


@router.put(
    "/api/v1/activity-types/{code}",
    summary="Add an activity type to the list, or rename one",
    **rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT, write=True),
)
async def define_activity_type(
    code: str, body: commands.ActivityTypeNames, request: Request
) -> Any:
    cmd = command(commands.DefineActivityType, code=code, **body.model_dump())
    return await ask(request, commands.DEFINE_ACTIVITY_TYPE, cmd)


# -- planning --------------------------------------------------------------------------------

PLANNERS_NOTE: Final = (
    "The activity lies in `community_id` and belongs to its first organiser team: that "
    "team's leaders (and those of the teams above it) and the community's admins may plan "
    "it. Without an organiser team, the community's admins alone."
)


@router.post(
    ACTIVITIES,
    status_code=201,
    summary="Plan an activity (a draft), or plan and publish it with `publish`",
    description=PLANNERS_NOTE,
    **rule(*MANAGERS, scope=Scope.TEAM, target=new_activity_target, write=True),
)
async def create_activity(body: commands.CreateActivity, request: Request) -> Any:
    _check_team_found(body.organiser_team_ids, request)
    return await ask(request, commands.CREATE_ACTIVITY, body)


@router.post(
    "/api/v1/activity-series",
    status_code=201,
    summary="A recurring activity: a weekly rule creates the occurrences ahead",
    description=PLANNERS_NOTE,
    **rule(*MANAGERS, scope=Scope.TEAM, target=new_activity_target, write=True),
)
async def create_series(body: commands.CreateSeries, request: Request) -> Any:
    _check_team_found(body.organiser_team_ids, request)
    return await ask(request, commands.CREATE_SERIES, body)


def _check_team_found(team_ids: list[str], request: Request) -> None:
    """A first organiser team the registry does not have is not found, for a subdistrict
    admin too (the rule already answered so for everyone else)."""
    if team_ids and getattr(request.state, "resource", None) is None:
        raise not_found()


@router.patch(
    ACTIVITY,
    summary="Change an activity; a published one tells those signed up",
    description=(
        "Fields left out stay. A capacity or head count below those confirmed is a 409. "
        "For an occurrence of a series, `apply_to=all_future` changes the later ones too. "
        "A new first organiser team must be one the caller reaches too."
    ),
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team, write=True),
)
async def update_activity(
    activity_id: str, body: commands.UpdateActivityBody, request: Request
) -> Any:
    found = found_resource(request)
    if body.organiser_team_ids and body.organiser_team_ids[0] != _first_team(found):
        await _check_reaches_team(request, body.organiser_team_ids[0], found.get("community_id"))
    cmd = command(
        commands.UpdateActivity, activity_id=activity_id, **body.model_dump(exclude_unset=True)
    )
    return await ask(request, commands.UPDATE_ACTIVITY, cmd)


def _first_team(activity: dict[str, Any]) -> str | None:
    teams = activity.get("organiser_team_ids") or []
    return teams[0] if teams else None


async def _check_reaches_team(request: Request, team_id: str, community: Any) -> None:
    """Handing an activity to another team: the caller must organise for it too."""
    team = await find_team(request, team_id)
    where: list[str | int] = ["organiser_team_ids", 0]
    if team is None:
        msg = "no team has this id"
        raise Invalid(msg, [FieldError(loc=where, msg=msg, type="not_found")])
    target = Target(team_id, community=community, teams=team_line(team_id, team))
    if not reaches(request, target, ORGANISERS):
        msg = "the new organiser team is outside your scope"
        raise Forbidden(msg, [FieldError(loc=where, msg=msg, type="forbidden")])


async def _lifecycle(request: Request, name: str, model: type[BaseModel], **fields: Any) -> Any:
    found_resource(request)  # first: a missing activity is a 404 whatever its id
    return await ask(request, name, command(model, **fields))


@router.post(
    ACTIVITY + "/publish",
    summary="Publish a draft: open for sign-ups",
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team, write=True),
)
async def publish_activity(activity_id: str, request: Request) -> Any:
    return await _lifecycle(
        request, commands.PUBLISH_ACTIVITY, commands.PublishActivity, activity_id=activity_id
    )


@router.post(
    ACTIVITY + "/cancel",
    summary="Cancel a draft or published activity (with the reason); those signed up are told",
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team, write=True),
)
async def cancel_activity(
    activity_id: str, body: commands.CancelActivityBody, request: Request
) -> Any:
    return await _lifecycle(
        request,
        commands.CANCEL_ACTIVITY,
        commands.CancelActivity,
        activity_id=activity_id,
        **body.model_dump(),
    )


@router.post(
    ACTIVITY + "/complete",
    summary="Complete a started activity with a summary; the approved hours are credited",
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team, write=True),
)
async def complete_activity(
    activity_id: str, body: commands.CompleteActivityBody, request: Request
) -> Any:
    return await _lifecycle(
        request,
        commands.COMPLETE_ACTIVITY,
        commands.CompleteActivity,
        activity_id=activity_id,
        **body.model_dump(),
    )


# -- reading ---------------------------------------------------------------------------------


@router.get(
    ACTIVITIES,
    summary="The calendar: activities by community, team, date range and status; cursor-paged",
    description=(
        "A community admin names their community (`community_id`), a team leader their "
        "team (`team_id`: its sub-squads' activities too). A volunteer reads any "
        "community's calendar, published (the default for them) or completed activities."
    ),
    **rule(*READERS, scope=Scope.TEAM, target=calendar_target),
)
async def calendar(query: Annotated[commands.Calendar, Query()], request: Request) -> Any:
    if not as_organiser(request):
        query = _volunteer_calendar(query)
    return await ask(request, commands.CALENDAR, query)


def _volunteer_calendar(query: commands.Calendar) -> commands.Calendar:
    if query.status is None:
        return query.model_copy(update={"status": "published"})
    if query.status not in VISIBLE_TO_VOLUNTEERS:
        msg = "volunteers see published and completed activities"
        raise Forbidden(msg, [FieldError(loc=["status"], msg=msg, type="forbidden")])
    return query


@router.get(
    ACTIVITIES + "/stats",
    summary="Activities, volunteer-hours and participants per month, by community or team",
    **rule(
        *MANAGERS,
        Role.INTEGRATION,
        scope=Scope.TEAM,
        target=query_team_or_community,
    ),
)
async def activity_stats(
    query: Annotated[commands.ActivityStats, Query()], request: Request
) -> Any:
    return await ask(request, commands.ACTIVITY_STATS, query)


@router.get(
    ACTIVITY,
    summary="One activity with its roster (contacts masked), waitlists, attendance, hours",
    description=VOLUNTEER_NOTE,
    **rule(*READERS, scope=Scope.TEAM, target=activity_or_open),
)
async def get_activity(activity_id: str, request: Request) -> Any:
    found = found_resource(request)  # looked up by the rule's target, or 404
    if as_organiser(request):
        return found
    return volunteer_view(found, volunteer_member(request))


@router.get(
    "/api/v1/members/{member_id}/activities",
    summary="A volunteer's activities, upcoming or past",
    **rule(*MANAGERS, Role.VOLUNTEER, scope=Scope.SELF, target=member_self),
)
async def member_activities(
    member_id: str, query: Annotated[commands.MemberActivitiesBody, Query()], request: Request
) -> Any:
    found_resource(request)
    cmd = command(commands.MemberActivities, member_id=member_id, **query.model_dump())
    return await ask(request, commands.MEMBER_ACTIVITIES, cmd)
