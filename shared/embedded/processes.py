"""How to start each RedVest process: used by `make up` and by the end-to-end tests."""

import os
import sys
from dataclasses import dataclass

SERVICES = ("registry", "activities", "requests", "notify")
DEFAULT_PORTS = {
    "gateway": 8000,
    "registry": 8101,
    "activities": 8102,
    "requests": 8103,
    "notify": 8104,
}


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int

    @property
    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz/ready"


def process_spec(
    name: str,
    *,
    nats_url: str,
    mongo_url: str,
    subdistrict: str,
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> ProcessSpec:
    """`name` is a service or "gateway"; settings go in with the process's own prefix."""
    prefix = name.upper() + "_"
    port = port or DEFAULT_PORTS[name]
    env = {
        **os.environ,
        "SUBDISTRICT": subdistrict,
        "NATS_URL": nats_url,
        "MONGO_URL": mongo_url,
        f"{prefix}HTTP_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    return ProcessSpec(name, [sys.executable, "-m", f"services.{name}"], env, port)
