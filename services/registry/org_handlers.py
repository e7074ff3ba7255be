"""The organisation ("1+3+N"), partner units, the skill list, and teams with sub-squads:
their commands and indexes on the registry's runtime."""

from typing import Any

from services.registry.config import RegistrySettings
from services.registry.org_people import People
from services.registry.org_support import Clock, Emitter
from services.registry.org_units import OrgUnits
from services.registry.partners import Partners
from services.registry.skills import SkillList
from services.registry.team_queries import TeamQueries
from services.registry.teams import Teams
from shared.bus.rpc import CallContext
from shared.contracts.commands import registry as commands
from shared.runtime.service import ServiceRuntime


def install(runtime: ServiceRuntime, settings: RegistrySettings) -> None:
    """Register this part's commands, consumers, indexes and published events."""
    units_store = runtime.aggregates("org_units")
    teams_store = runtime.aggregates("teams")
    people = People(runtime.db["members"])
    emit, clock = Emitter(settings.subdistrict), Clock(settings.time_zone)
    units = OrgUnits(units_store, people, emit, clock)
    partners = Partners(runtime.aggregates("partners"), units_store, emit, clock)
    team_commands = Teams(teams_store, units_store, people, emit, clock)
    team_queries = TeamQueries(teams_store, people)
    skills = SkillList(runtime.db["skills"])

    async def list_skills(_: commands.ListSkills, __: CallContext) -> dict[str, Any]:
        return {"skills": await skills.all()}

    async def define_skill(cmd: commands.DefineSkill, _: CallContext) -> dict[str, Any]:
        return await skills.define(cmd.code, cmd.zh, cmd.en)

    runtime.on_startup(units.create_indexes)
    runtime.on_startup(partners.create_indexes)
    runtime.on_startup(team_commands.create_indexes)
    runtime.on_startup(skills.seed_defaults)

    runtime.command(commands.CREATE_ORG_UNIT, commands.CreateOrgUnit, units.create)
    runtime.command(commands.UPDATE_ORG_UNIT, commands.UpdateOrgUnit, units.update)
    runtime.command(commands.GET_ORG_UNIT, commands.GetOrgUnit, units.get)
    runtime.command(commands.GET_ORG_TREE, commands.GetOrgTree, units.tree)
    runtime.command(commands.REGISTER_PARTNER, commands.RegisterPartner, partners.register)
    runtime.command(commands.LIST_PARTNERS, commands.ListPartners, partners.find)
    runtime.command(commands.LIST_SKILLS, commands.ListSkills, list_skills)
    runtime.command(commands.DEFINE_SKILL, commands.DefineSkill, define_skill)
    runtime.command(commands.CREATE_TEAM, commands.CreateTeam, team_commands.create)
    runtime.command(commands.UPDATE_TEAM, commands.UpdateTeam, team_commands.update)
    runtime.command(commands.JOIN_TEAM, commands.JoinTeam, team_commands.join)
    runtime.command(commands.LEAVE_TEAM, commands.LeaveTeam, team_commands.leave)
    runtime.command(commands.GET_TEAM, commands.GetTeam, team_queries.get)
    runtime.command(commands.GET_TEAM_TREE, commands.GetTeamTree, team_queries.tree)
