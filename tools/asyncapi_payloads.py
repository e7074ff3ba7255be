"""Fills the payload schemas FastStream cannot infer into its AsyncAPI document.

Our handlers take the raw NATS message, so FastStream documents their payload as
`EmptyPayload`; the runtime knows each subscribed subject's command or event models.
"""

from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF = "#/components/schemas/{model}"


def fill_payloads(document: dict[str, Any], payloads: dict[str, list[type[BaseModel]]]) -> None:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    messages = components.get("messages", {})
    for channel in document.get("channels", {}).values():
        models = payloads.get(channel.get("address", ""))
        if not models:
            continue
        refs = _schemas(models, schemas)
        payload = refs[0] if len(refs) == 1 else {"oneOf": refs}
        for message_ref in channel.get("messages", {}).values():
            # A wildcard subject's `>` comes percent-encoded in the reference, not in the key.
            message = messages[unquote(message_ref["$ref"].rsplit("/", 1)[-1])]
            message["payload"] = payload
    if not any(_uses(document, "EmptyPayload")):
        schemas.pop("EmptyPayload", None)


def _schemas(models: list[type[BaseModel]], schemas: dict[str, Any]) -> list[dict[str, str]]:
    keyed, top = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    schemas.update(top.get("$defs", {}))
    return [keyed[(m, "validation")] for m in models]


def _uses(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and value.endswith(f"/{name}"):
                yield True
            yield from _uses(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _uses(item, name)
