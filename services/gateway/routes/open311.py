"""Open311 GeoReport v2 (JSON) for outside systems, e.g. a city 12345 platform.

jurisdiction_id = this deployment's subdistrict id (optional; checked when given). Callers:
integration API keys (read for GETs, write for the POST) and subdistrict_admins. The key
goes in `X-API-Key` (preferred) or, as the spec has it, in an `api_key` field of the form
or JSON body or the query string; `spec_api_key` below turns that field into the caller
before the route's rule runs, so the rule decides exactly as for the header. A missing or
invalid key is 401 (as everywhere in the gateway; the spec says 403), a read-only key that
posts 403. Errors are the spec's `[{"code", "description"}]`, not problem details.
Mapping decisions: services/gateway/open311_mapping.py.
"""

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from services.gateway import open311_mapping as spec
from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule, unauthorized
from services.gateway.deps import CorrelationId, Rpc
from services.gateway.idempotency import HEADER as IDEMPOTENCY_KEY
from services.gateway.problems import STATUS
from services.gateway.routes.requests import client_ref, create, entered_by
from shared.bus.rpc import RpcClient
from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import MAX_PAGE_SIZE
from shared.contracts.rpc import ErrorCode, ServiceError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def spec_error(
    status: int, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(spec.error_body(status, description), status_code=status, headers=headers)


class Open311Route(APIRoute):
    """Every error of these routes, the rule's 401/403 included, in the spec's shape."""

    def get_route_handler(self) -> Handler:
        handler: Handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except spec.Open311Error as exc:
                return spec_error(exc.status, exc.description)
            except RequestValidationError as exc:
                described = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'] if p != 'query')}: {e['msg']}"
                    for e in exc.errors()
                )
                return spec_error(400, described)
            except HTTPException as exc:
                return spec_error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))
            except ServiceError as exc:
                status = STATUS.get(exc.code, 500)
                if exc.code is ErrorCode.VALIDATION:
                    status = 400  # the spec's code for a request it cannot take
                details = "; ".join(f"{'.'.join(map(str, d.loc))}: {d.msg}" for d in exc.details)
                headers = None
                if status == 503:
                    headers = {"Retry-After": str(request.app.state.settings.retry_after_s)}
                return spec_error(
                    status, exc.message + (f" ({details})" if details else ""), headers
                )

        return route


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


async def body_fields(request: Request) -> dict[str, Any]:
    """The POST body as fields, from a form (urlencoded or multipart) or a JSON object."""
    cached: dict[str, Any] | None = getattr(request.state, "open311_fields", None)
    if cached is not None:
        return cached
    fields: dict[str, Any] = {}
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                raise spec.Open311Error(400, f"{key}: files are not taken; send media_url")
            # A repeated field keeps every value (a list): the mapping takes them all for a
            # multi-value attribute (`attribute[code][]`) and refuses them for one-value fields.
            if key in fields:
                earlier = fields[key]
                fields[key] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
            else:
                fields[key] = value
    elif media == "application/json" or media.endswith("+json"):
        try:
            parsed = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise spec.Open311Error(400, "the body is not valid JSON") from exc
        if not isinstance(parsed, dict):
            raise spec.Open311Error(400, "the JSON body must be an object")
        fields = parsed
    elif await request.body():
        raise spec.Open311Error(
            400, "send application/x-www-form-urlencoded, multipart/form-data or JSON"
        )
    request.state.open311_fields = fields
    return fields


async def spec_api_key(
    request: Request,
    api_key: Annotated[
        str | None,
        Query(max_length=256, description="the spec's api_key; prefer the X-API-Key header"),
    ] = None,
) -> None:
    """The spec's `api_key` field (query, or form/JSON body of a POST) as the caller, when
    the request carries no Authorization or X-API-Key header; the rule then decides."""
    if request.headers.get("authorization") or request.headers.get("x-api-key"):
        return
    key = api_key
    if key is None and request.method == "POST":
        value = (await body_fields(request)).get("api_key")
        key = value if isinstance(value, str) else None
    if not key:
        return
    principal = await request.app.state.accounts.principal_of_api_key(key)
    if principal is None:
        raise unauthorized("the API key is not valid")
    request.state.principal = principal


POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["service_code"],
                    "properties": {
                        "service_code": {"type": "string", "maxLength": 32},
                        "description": {"type": "string", "maxLength": 2000},
                        "attribute[community_id]": {
                            "type": "string",
                            "maxLength": 64,
                            "description": "required, unless address_id gives it",
                        },
                        "attribute[compound_id]": {"type": "string", "maxLength": 64},
                        "attribute[building_id]": {"type": "string", "maxLength": 64},
                        "first_name": {"type": "string"},
                        "last_name": {"type": "string"},
                        "phone": {"type": "string", "description": "a mainland mobile number"},
                        "address_id": {
                            "type": "string",
                            "description": "community_id[/compound_id[/building_id]], as GET "
                            "answers it; used when attribute[community_id] is not given",
                        },
                        "jurisdiction_id": {"type": "string"},
                        "api_key": {"type": "string"},
                        **{
                            name: {"type": "string", "description": "accepted, not kept"}
                            for name in sorted(
                                spec.ACCEPTED_NOT_KEPT - {"api_key", "jurisdiction_id"}
                            )
                        },
                    },
                }
            }
            for media in ("application/x-www-form-urlencoded", "application/json")
        },
    }
}


SPEC_ERRORS = {
    "description": "the spec's errors",
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "description"],
                    "properties": {
                        "code": {"type": "integer", "description": "the HTTP status"},
                        "description": {"type": "string"},
                    },
                },
            }
        }
    },
}
# What these routes answer in the spec's shape (idempotency, rate limits and unexpected
# failures stay problem details, documented by services/gateway/openapi.py).
SPEC_ERROR_CODES = (400, 401, 403, 404, 503)


def open311_rule(*, write: bool = False) -> dict[str, Any]:
    """The route's rule (subdistrict-wide: subdistrict_admin or an integration key), with
    the spec's api_key field read first, and the spec's error shape documented."""
    declared = rule(Role.SUBDISTRICT_ADMIN, Role.INTEGRATION, scope=Scope.SUBDISTRICT, write=write)
    extra = {**declared["openapi_extra"], **(POST_BODY if write else {})}
    return {
        "dependencies": [Depends(spec_api_key), *declared["dependencies"]],
        "openapi_extra": extra,
        "response_class": JSONResponse,
        "responses": {code: SPEC_ERRORS for code in SPEC_ERROR_CODES},
    }


Jurisdiction = Annotated[
    str | None,
    Query(max_length=64, description="this deployment's subdistrict id (optional)"),
]


def checked_jurisdiction(request: Request, given: str | None) -> None:
    spec.check_jurisdiction(given, request.app.state.settings.subdistrict)


def lang(request: Request) -> spec.Lang:
    return spec.language(request.headers.get("accept-language"))


async def kinds(rpc: RpcClient, correlation_id: str | None) -> list[dict[str, Any]]:
    found: Any = await rpc.call(
        commands.SERVICE, commands.LIST_KINDS, commands.ListKinds(), correlation_id=correlation_id
    )
    items: list[dict[str, Any]] = found["items"] if isinstance(found, dict) else found
    return [spec.normal_kind(kind) for kind in items]


@router.get(
    "/services.json",
    summary="Open311: the kinds of request (services)",
    **open311_rule(),
)
async def list_services(
    request: Request, rpc: Rpc, correlation_id: CorrelationId, jurisdiction_id: Jurisdiction = None
) -> list[dict[str, Any]]:
    checked_jurisdiction(request, jurisdiction_id)
    language = lang(request)
    return [spec.service(k, language) for k in await kinds(rpc, correlation_id)]


@router.get(
    "/services/{service_code}.json",
    summary="Open311: one service's definition (its attributes)",
    **open311_rule(),
)
async def service_definition(
    service_code: str,
    request: Request,
    rpc: Rpc,
    correlation_id: CorrelationId,
    jurisdiction_id: Jurisdiction = None,
) -> dict[str, Any]:
    checked_jurisdiction(request, jurisdiction_id)
    kind = spec.find_kind(await kinds(rpc, correlation_id), service_code)
    return spec.service_definition(kind, lang(request))


@router.post(
    "/requests.json",
    status_code=201,
    summary="Open311: report a request (form-encoded or JSON)",
    **open311_rule(write=True),
)
async def post_request(
    request: Request,
    rpc: Rpc,
    correlation_id: CorrelationId,
    caller: Annotated[Principal, Depends(current_principal)],
    jurisdiction_id: Jurisdiction = None,
) -> list[dict[str, Any]]:
    fields = await body_fields(request)
    given = fields.get("jurisdiction_id", jurisdiction_id)
    checked_jurisdiction(request, spec.one_text(given, "jurisdiction_id"))
    body = spec.create_request_body(
        fields, await kinds(rpc, correlation_id), entered_by=entered_by(caller, via="open311")
    )
    # Not a field of the spec: only the gateway sets it (the mapping refuses unknown fields).
    body["client_ref"] = client_ref(caller, request.headers.get(IDEMPOTENCY_KEY))
    try:
        command = commands.CreateRequest.model_validate(body)
    except ValidationError as exc:
        raise spec.Open311Error(400, spec.validation_description(exc)) from exc
    return spec.post_response(await create(rpc, command, request, correlation_id))


@router.get(
    "/requests.json",
    summary="Open311: requests, newest first, with the spec's filters",
    description=(
        "Filters: service_request_id (comma list; overrides the rest), service_code (comma "
        "list), start_date/end_date (ISO 8601 with a time zone; at most 90 days, by default "
        "the last 90), status (open, closed or both). Extension: at most `page_size` "
        'requests (default and maximum 100); a `Link: <...>; rel="next"` header points to '
        "the next page (`cursor`)."
    ),
    **open311_rule(),
)
async def list_requests(
    request: Request,
    response: Response,
    rpc: Rpc,
    correlation_id: CorrelationId,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(max_length=6600)] = None,
    service_code: Annotated[str | None, Query(max_length=3300)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=256)] = None,
) -> list[dict[str, Any]]:
    checked_jurisdiction(request, jurisdiction_id)
    filters = spec.list_filters(
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
        now=datetime.now(UTC),
    )
    try:
        query = commands.ListRequests(**filters, limit=page_size, cursor=cursor)
    except ValidationError as exc:
        raise spec.Open311Error(400, spec.validation_description(exc)) from exc
    page: dict[str, Any] = await rpc.call(
        commands.SERVICE, commands.LIST_REQUESTS, query, correlation_id=correlation_id
    )
    if page["next_cursor"]:
        # Without the spec's api_key: a key in a link ends up in logs and browser histories.
        following = request.url.remove_query_params("api_key").include_query_params(
            cursor=page["next_cursor"]
        )
        response.headers["Link"] = f'<{following}>; rel="next"'
    catalogue, language = await kinds(rpc, correlation_id), lang(request)
    return [spec.service_request(view, catalogue, language) for view in page["items"]]


@router.get(
    "/requests/{service_request_id}.json",
    summary="Open311: one request (a list of one, as the spec has it)",
    **open311_rule(),
)
async def get_request(
    service_request_id: str,
    request: Request,
    rpc: Rpc,
    correlation_id: CorrelationId,
    jurisdiction_id: Jurisdiction = None,
) -> list[dict[str, Any]]:
    checked_jurisdiction(request, jurisdiction_id)
    if len(service_request_id) > 64:
        raise spec.Open311Error(404, f"service_request_id {service_request_id!r} was not found")
    view: dict[str, Any] = await rpc.call(
        commands.SERVICE,
        commands.GET_REQUEST,
        commands.GetRequest(request_id=service_request_id),
        correlation_id=correlation_id,
    )
    return [spec.service_request(view, await kinds(rpc, correlation_id), lang(request))]
