"""A request's lifecycle ("lifecycle"): every transition from acceptance to follow-up and
the side exits, notes, the board, a member's assigned requests and the metrics, on the
service's one runtime. The pure rules are in domain/lifecycle.py and domain/metrics.py."""

from dataclasses import dataclass

from services.requests.board_queries import BoardQueries
from services.requests.config import RequestsSettings
from services.requests.lifecycle_commands import LifecycleCommands
from services.requests.lifecycle_parties import Parties
from services.requests.lifecycle_units import UnitsProjection
from services.requests.metrics_queries import MetricsQueries
from shared.contracts.commands import requests as commands
from shared.contracts.events.registry import OrgUnitCreated, OrgUnitUpdated
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime


@dataclass(frozen=True)
class Lifecycle:
    """This part's pieces over one runtime's stores; building them registers nothing."""

    commands: LifecycleCommands
    board: BoardQueries
    metrics: MetricsQueries
    units: UnitsProjection


def parts(runtime: ServiceRuntime, settings: RequestsSettings) -> Lifecycle:
    requests = runtime.aggregates("requests")
    return Lifecycle(
        commands=LifecycleCommands(requests, runtime.db["kinds"], Parties(runtime.db), settings),
        board=BoardQueries(requests),
        metrics=MetricsQueries(requests, runtime.db["teams"], settings.time_zone),
        units=UnitsProjection(runtime.db["org_units"]),
    )


def install(runtime: ServiceRuntime, settings: RequestsSettings) -> None:
    """Register this part's commands, consumers and indexes."""
    part = parts(runtime, settings)
    run = part.commands
    runtime.on_startup(part.board.create_indexes)
    runtime.on_startup(part.units.create_indexes)
    # Only the registry's organisation events: rv.<sd>.evt.registry.org_unit.>
    unit_events = events_filter(settings.subdistrict, "registry").removesuffix(">") + "org_unit.>"
    runtime.consume(
        "org_units",
        {OrgUnitCreated: part.units.on_unit, OrgUnitUpdated: part.units.on_unit},
        unit_events,
    )

    runtime.command(commands.ACCEPT_REQUEST, commands.AcceptRequest, run.accept)
    runtime.command(commands.RETURN_REQUEST, commands.ReturnRequest, run.return_request)
    runtime.command(commands.DISPATCH_REQUEST, commands.DispatchRequest, run.dispatch)
    runtime.command(commands.START_REQUEST, commands.StartRequest, run.start)
    runtime.command(commands.REQUEST_EXTENSION, commands.RequestExtension, run.request_extension)
    runtime.command(commands.APPROVE_EXTENSION, commands.ApproveExtension, run.approve_extension)
    runtime.command(commands.RESOLVE_REQUEST, commands.ResolveRequest, run.resolve)
    runtime.command(commands.RECORD_FOLLOW_UP, commands.RecordFollowUp, run.follow_up)
    runtime.command(commands.REOPEN_REQUEST, commands.ReopenRequest, run.reopen)
    runtime.command(commands.TRANSFER_REQUEST, commands.TransferRequest, run.transfer)
    runtime.command(commands.MARK_DUPLICATE, commands.MarkDuplicate, run.mark_duplicate)
    runtime.command(
        commands.MARK_NOT_RESPONSIBLE, commands.MarkNotResponsible, run.mark_not_responsible
    )
    runtime.command(commands.CANCEL_REQUEST, commands.CancelRequest, run.cancel)
    runtime.command(commands.ADD_NOTE, commands.AddNote, run.add_note)
    runtime.command(commands.GET_BOARD, commands.GetBoard, part.board.board)
    runtime.command(
        commands.ASSIGNED_TO_MEMBER, commands.AssignedToMember, part.board.assigned_to_member
    )
    runtime.command(commands.GET_METRICS, commands.GetMetrics, part.metrics.get_metrics)
