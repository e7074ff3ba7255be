"""The generated AsyncAPI documents of each service (docs/asyncapi/), served as JSON."""

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException

from services.gateway.authz import Scope, rule

DOCS = Path(__file__).resolve().parents[3] / "docs" / "asyncapi"

router = APIRouter(prefix="/asyncapi", tags=["docs"])


@router.get("", summary="Which services have an AsyncAPI document", **rule(scope=Scope.PUBLIC))
async def index() -> dict[str, list[str]]:
    return {"documents": sorted(f"/asyncapi/{p.name}" for p in DOCS.glob("*.json"))}


@router.get(
    "/{service}.json", summary="One service's AsyncAPI 3 document", **rule(scope=Scope.PUBLIC)
)
async def document(service: str) -> Any:
    path = DOCS / f"{service}.json"
    if not service.isidentifier() or not path.exists():
        raise HTTPException(404, f"no AsyncAPI document for {service!r}")
    return json.loads(path.read_text(encoding="utf-8"))
