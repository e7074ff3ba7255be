"""Which NATS and MongoDB a test session uses, in this order (see ARCHITECTURE.md):

1. `NATS_URL` / `MONGO_URL` from the environment, each on its own;
2. testcontainers, when a Docker engine answers a ping;
3. the embedded servers (real nats-server, nx-27017) on free ports in a temp folder.

All three are real servers speaking the real protocols; none is a mock.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pymongo
from pymongo.errors import PyMongoError

from shared.embedded.servers import start_mongo, start_nats

MONGO_IMAGE = "mongo:8.0"
NATS_IMAGE = "nats:2.12"


@functools.cache
def docker_available(timeout: float = 2.0) -> bool:
    """True if a Docker engine answers a ping; quick and silent when there is none."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
    except Exception:  # no socket, no DOCKER_HOST, bad config: all mean "no Docker"
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def is_nx_27017(build_info: Mapping[str, Any]) -> bool:
    """True if a `buildInfo` reply comes from nx-27017 (it names its process; MongoDB does not)."""
    return build_info.get("process") == "nx_27017"


@contextlib.contextmanager
def _mongo_replica_set() -> Iterator[str]:
    from testcontainers.community.mongodb import MongoDbContainer

    class ReplicaSetMongo(MongoDbContainer):
        def _configure(self) -> None:
            # No root user: auth on a replica set would also need a keyFile.
            pass

    # A single-node replica set (transactions, change streams) as in production.
    initiate = "rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'localhost:27017'}]})"
    with ReplicaSetMongo(MONGO_IMAGE).with_command("--replSet rs0 --bind_ip_all") as container:
        code, output = container.exec(["mongosh", "--quiet", "--eval", initiate])
        if code != 0:
            raise RuntimeError(f"rs.initiate failed ({code}): {output.decode(errors='replace')}")
        # The member's host name is only valid inside the container: connect directly.
        host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
        url = f"mongodb://{host}:{port}/?directConnection=true"
        _wait_for_primary(url)
        yield url


def _wait_for_primary(url: str, timeout: float = 30.0) -> None:
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        url, serverSelectionTimeoutMS=1000
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(PyMongoError):
                if client.admin.command("hello").get("isWritablePrimary"):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"MongoDB replica set at {url} elected no primary in {timeout:.0f} s")
    finally:
        client.close()


@contextlib.contextmanager
def nats_server(tmp_root: Path) -> Iterator[str]:
    """Yield a NATS URL with JetStream; stop the server on exit if it was started here."""
    if url := os.environ.get("NATS_URL"):
        yield url
    elif docker_available():
        from testcontainers.community.nats import NatsContainer

        with NatsContainer(NATS_IMAGE, jetstream=True) as container:
            yield str(container.nats_uri())
    else:
        server = start_nats(tmp_root / "nats", log_file=tmp_root / "logs" / "nats.log")
        try:
            yield server.url
        finally:
            server.stop()


@contextlib.contextmanager
def mongo_server(tmp_root: Path) -> Iterator[str]:
    """Yield a MongoDB URL; stop the server on exit if it was started here."""
    if url := os.environ.get("MONGO_URL"):
        yield url
    elif docker_available():
        with _mongo_replica_set() as url:
            yield url
    else:
        logs = tmp_root / "logs"
        server = start_mongo(
            tmp_root / "mongo", log_file=logs / "mongo.log", pid_file=logs / "mongo.pid"
        )
        try:
            yield server.url
        finally:
            server.stop()
