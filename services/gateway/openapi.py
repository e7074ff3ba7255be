"""The OpenAPI document tells the truth about errors: every error response is an RFC 9457
problem document (`application/problem+json`), including those that rules, rate limits and
unavailable services produce, not FastAPI's default `application/json` validation shape."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from services.gateway.authz import RULE_KEY
from services.gateway.problems import PROBLEM_JSON, TITLES


class FieldProblem(BaseModel):
    field: str = Field(description="dotted path of the field, e.g. location.community_id")
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblem] = Field(default_factory=list, description="with 422 only")


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same key again to get the first response back instead of a "
    "second effect (kept 24 h; another body with the same key is a 422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _documents_own_errors(responses: dict[str, Any]) -> bool:
    """Besides FastAPI's automatic 422, the route declared error answers of its own."""
    return any(code[0] in "45" and code != "422" for code in responses)


def _errors_of(method: str, operation: dict[str, Any], path: str) -> list[int]:
    codes = [422, 429, 500, 503]
    if method in ("post", "put", "patch"):
        codes.append(409)
    if operation.get(RULE_KEY, {}).get("scope") != "public":
        codes += [401, 403]
    if "{" in path:
        codes.append(404)
    return sorted(codes)


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas["FieldProblem"] = schemas["Problem"].pop("$defs")["FieldProblem"]
        for schema_name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(schema_name, None)
        problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if method == "post" and not path.startswith("/api/v1/auth/"):
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
                responses = operation.setdefault("responses", {})
                if _documents_own_errors(responses):
                    # e.g. Open311, whose spec has its own error shape; the idempotency and
                    # rate-limit middlewares still answer with problems on every path.
                    middleware = [422, 429, 503] + ([409] if method == "post" else [])
                    for code in middleware:
                        entry = responses.setdefault(str(code), {"description": TITLES[code]})
                        entry.setdefault("content", {}).update(problem)
                    continue
                for code in _errors_of(method, operation, path):
                    responses[str(code)] = {
                        "description": TITLES.get(code, "Error"),
                        "content": problem,
                    }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
