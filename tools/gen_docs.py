"""Generates the contract documents from the code; they are never written by hand.

    python -m tools.gen_docs           # write docs/events/, docs/asyncapi/, docs/openapi.json
    python -m tools.gen_docs --check   # exit 1 when the committed documents differ

JSON Schema per event type comes from its pydantic model; an AsyncAPI 3 document per
service comes from FastStream, built from the service's own broker (example subdistrict
`quantang`: the second subject token is the deployment's subdistrict id).
"""

import json
import sys
from pathlib import Path
from typing import Any

from faststream.specification import AsyncAPI

from shared.contracts.catalogue import catalogue, payload_schema
from shared.contracts.envelope import CloudEvent

EXAMPLE_SUBDISTRICT = "quantang"
ROOT = Path(__file__).resolve().parent.parent / "docs"


def _services() -> dict[str, Any]:
    from services.activities.bootstrap import build as activities
    from services.activities.config import ActivitiesSettings
    from services.notify.bootstrap import build as notify
    from services.notify.config import NotifySettings
    from services.registry.bootstrap import build as registry
    from services.registry.config import RegistrySettings
    from services.requests.bootstrap import build as requests
    from services.requests.config import RequestsSettings

    sd = {"subdistrict": EXAMPLE_SUBDISTRICT, "nats_url": "nats://nats:4222"}
    return {
        "registry": registry(RegistrySettings(**sd)),
        "activities": activities(ActivitiesSettings(**sd)),
        "requests": requests(RequestsSettings(**sd)),
        "notify": notify(NotifySettings(**sd)),
    }


def documents() -> dict[str, Any]:
    """Relative path -> JSON document."""
    docs: dict[str, Any] = {}
    envelope = CloudEvent.model_json_schema()
    envelope["title"] = "CloudEvent (RedVest envelope)"
    docs["events/envelope.json"] = envelope
    index = []
    for spec in sorted(catalogue().values(), key=lambda s: s.type):
        docs[f"events/{spec.type}.json"] = payload_schema(spec)
        index.append(
            {
                "name": spec.name,
                "type": spec.type,
                "version": spec.version,
                "subject": spec.subject("{subdistrict}"),
                "description": spec.description,
                "schema": f"{spec.type}.json",
            }
        )
    docs["events/index.json"] = index
    for name, runtime in _services().items():
        spec = AsyncAPI(
            runtime.broker,
            title=f"RedVest {name}",
            version="0.1.0",
            description=f"Events and commands of the RedVest {name} service.",
            schema_version="3.0.0",
        )
        docs[f"asyncapi/{name}.json"] = json.loads(spec.to_specification().to_json())
    from services.gateway.app import create_app

    docs["openapi.json"] = create_app().openapi()
    return docs


def render(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def stale(root: Path = ROOT) -> list[str]:
    return [
        path
        for path, doc in documents().items()
        if not (root / path).exists() or (root / path).read_text(encoding="utf-8") != render(doc)
    ]


def write(root: Path = ROOT) -> None:
    for path, doc in documents().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(doc), encoding="utf-8")


if __name__ == "__main__":
    if "--check" in sys.argv:
        differ = stale()
        print("\n".join(f"stale: docs/{p}" for p in differ) or "docs are up to date")
        sys.exit(1 if differ else 0)
    write()
