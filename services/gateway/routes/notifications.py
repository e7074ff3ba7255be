"""The in-app inbox: the signed-in reader's own notifications (every address they read:
their account, their member, their communities' desks), the unread count, marking read;
and the staff desk's listing of a community's notifications."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.gateway import service_rpc
from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.notify_targets import reader_of
from services.gateway.targets import query_community
from shared.contracts.commands import notify as commands
from shared.contracts.commands.common import PageQuery

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
Caller = Annotated[Principal, Depends(current_principal)]


class InboxQuery(PageQuery):
    unread_only: bool = False


async def ask(request: Request, name: str, body: Any) -> Any:
    return await service_rpc.ask(request, commands.SERVICE, name, body)


@router.get(
    "",
    summary="A community's notifications (the staff desk), newest first, cursor-paged",
    description="Every inbox notification of the community, whoever it was for.",
    **rule(
        Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN, scope=Scope.COMMUNITY, target=query_community
    ),
)
async def list_notifications(
    query: Annotated[commands.ListNotifications, Query()], request: Request
) -> Any:
    return await ask(request, commands.LIST_NOTIFICATIONS, query)


@router.get(
    "/inbox",
    summary="My inbox: my notifications, newest first, cursor-paged",
    description=(
        "Every address the signed-in account reads: itself, its member (a volunteer, with "
        "what they receive on behalf of residents they look after: `proxy_for`), and the "
        "desks of the communities it administers. Each item in both languages (`zh`, "
        "`en`), with `read` for this reader (a desk's notice read by one admin stays "
        "unread for the others)."
    ),
    **rule(scope=Scope.AUTHENTICATED),
)
async def my_inbox(query: Annotated[InboxQuery, Query()], request: Request, caller: Caller) -> Any:
    inbox = commands.MyInbox(**reader_of(caller), **query.model_dump())
    return await ask(request, commands.MY_INBOX, inbox)


@router.get(
    "/unread-count",
    summary="How many of my notifications I have not read (at most 1000: `capped`)",
    **rule(scope=Scope.AUTHENTICATED),
)
async def unread_count(request: Request, caller: Caller) -> Any:
    return await ask(request, commands.UNREAD_COUNT, commands.UnreadCount(**reader_of(caller)))


@router.post(
    "/read",
    summary="Mark my notifications read: some (`notification_ids`) or `all`",
    description=(
        "Ids of notifications that are not the reader's are ignored; `marked` counts the "
        "ones this call marked (already read ones are not counted)."
    ),
    **rule(scope=Scope.AUTHENTICATED, write=True),
)
async def mark_read(body: commands.MarkReadBody, request: Request, caller: Caller) -> Any:
    marking = commands.MarkRead(**reader_of(caller), **body.model_dump())
    return await ask(request, commands.MARK_READ, marking)
