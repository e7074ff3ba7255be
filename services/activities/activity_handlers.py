"""Activities and their series ("core"): the managed list of activity types, the
lifecycle (create, update with its guards, publish, cancel), recurring series and their
scheduler, the teams projection, and the reads (detail, calendar, a volunteer's
activities, attendance export, stats). Registered on the service's one runtime."""

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from services.activities.activity_commands import ActivityCommands
from services.activities.activity_queries import ActivityQueries
from services.activities.activity_support import Clock, Emitter
from services.activities.activity_types import ActivityTypes
from services.activities.config import ActivitiesSettings
from services.activities.export_attendance import AttendanceExport
from services.activities.partners_projection import PartnersProjection
from services.activities.series_commands import SeriesCommands
from services.activities.stats_queries import StatsQueries
from services.activities.teams_projection import TeamsProjection
from shared.bus.rpc import CallContext
from shared.contracts.commands import activities as commands
from shared.contracts.events.registry import PartnerUnitRegistered, TeamCreated, TeamUpdated
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime


@dataclass(frozen=True)
class Core:
    """This part's pieces over one runtime's stores. Building them registers nothing, so a
    test may build its own to drive the scheduler (`series.tick(now)`)."""

    types: ActivityTypes
    teams: TeamsProjection
    lifecycle: ActivityCommands
    series: SeriesCommands
    queries: ActivityQueries
    export: AttendanceExport
    stats: StatsQueries


def parts(runtime: ServiceRuntime, settings: ActivitiesSettings) -> Core:
    zone = ZoneInfo(settings.time_zone)
    activities = runtime.aggregates("activities")
    series_store = runtime.aggregates("series")
    commitments, members = runtime.db["commitments"], runtime.db["members"]
    types = ActivityTypes(runtime.db["activity_types"])
    teams = TeamsProjection(runtime.db["teams"])
    clock = Clock()
    emit = Emitter(settings.subdistrict)
    lifecycle = ActivityCommands(
        activities, series_store, types, commitments, members, emit, clock, zone
    )
    return Core(
        types=types,
        teams=teams,
        lifecycle=lifecycle,
        series=SeriesCommands(series_store, lifecycle, settings, clock),
        queries=ActivityQueries(activities, commitments, members, teams),
        export=AttendanceExport(activities, members, zone),
        stats=StatsQueries(activities, teams, zone),
    )


def install(runtime: ServiceRuntime, settings: ActivitiesSettings) -> None:
    """Register this part's commands, consumers, indexes and scheduler."""
    core = parts(runtime, settings)
    types, teams, lifecycle, series = core.types, core.teams, core.lifecycle, core.series

    async def list_types(_: commands.ListActivityTypes, __: CallContext) -> dict[str, Any]:
        return {"items": await types.all()}

    async def define_type(cmd: commands.DefineActivityType, _: CallContext) -> dict[str, Any]:
        return await types.define(cmd.code, cmd.zh, cmd.en)

    runtime.on_startup(types.seed_defaults)
    runtime.on_startup(lifecycle.create_indexes)
    runtime.on_startup(series.create_indexes)
    runtime.on_startup(teams.create_indexes)
    # Only the registry's team events: rv.<sd>.evt.registry.team.>
    team_events = events_filter(settings.subdistrict, "registry").removesuffix(">") + "team.>"
    runtime.consume("teams", {TeamCreated: teams.on_team, TeamUpdated: teams.on_team}, team_events)
    partners = PartnersProjection(runtime.db["partners"])
    partner_events = team_events.removesuffix("team.>") + "partner.>"
    runtime.consume("partners", {PartnerUnitRegistered: partners.on_partner}, partner_events)
    runtime.background(series.run)

    runtime.command(commands.LIST_ACTIVITY_TYPES, commands.ListActivityTypes, list_types)
    runtime.command(commands.DEFINE_ACTIVITY_TYPE, commands.DefineActivityType, define_type)
    runtime.command(commands.CREATE_ACTIVITY, commands.CreateActivity, lifecycle.create)
    runtime.command(commands.UPDATE_ACTIVITY, commands.UpdateActivity, lifecycle.update)
    runtime.command(commands.PUBLISH_ACTIVITY, commands.PublishActivity, lifecycle.publish)
    runtime.command(commands.CANCEL_ACTIVITY, commands.CancelActivity, lifecycle.cancel)
    runtime.command(commands.CREATE_SERIES, commands.CreateSeries, series.create)
    runtime.command(commands.GET_ACTIVITY, commands.GetActivity, core.queries.get)
    runtime.command(commands.CALENDAR, commands.Calendar, core.queries.calendar)
    runtime.command(
        commands.MEMBER_ACTIVITIES, commands.MemberActivities, core.queries.member_activities
    )
    runtime.command(commands.EXPORT_ATTENDANCE, commands.ExportAttendance, core.export.export)
    runtime.command(commands.ACTIVITY_STATS, commands.ActivityStats, core.stats.stats)
