"""One AsyncMongoClient per process, one database per service per subdistrict."""

import asyncio
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.subjects import database_name


def make_client(url: str) -> AsyncMongoClient[dict[str, Any]]:
    # tz_aware: datetimes come back as UTC-aware, as they went in.
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000, appname="redvest")


def service_database(
    client: AsyncMongoClient[dict[str, Any]], subdistrict: str, service: str
) -> AsyncDatabase[dict[str, Any]]:
    return client[database_name(subdistrict, service)]


async def ping(client: AsyncMongoClient[dict[str, Any]], timeout_s: float = 1.5) -> bool:
    """Bounded: a health probe must answer before its own timeout, server or not."""
    try:
        await asyncio.wait_for(client.admin.command("ping"), timeout_s)
    except Exception:
        return False
    return True
