"""`python -m services.gateway create-admin`: the first subdistrict_admin account.

    python -m services.gateway create-admin --username admin [--password ...] [--name 管理员]

Without --password a strong one is generated and printed once. Writes to the gateway's
own database (GATEWAY_MONGO_URL / MONGO_URL, SUBDISTRICT). Exit status 3 if the username
is taken, 1 for other failures.
"""

import argparse
import asyncio
import secrets
import sys

from services.gateway.accounts.model import Role
from services.gateway.accounts.schemas import UserCreate
from services.gateway.app import accounts_store
from services.gateway.config import GatewaySettings
from shared.contracts.rpc import Conflict
from shared.store.client import make_client, service_database

EXIT_TAKEN = 3


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.gateway create-admin")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", help="at least 10 characters; generated if omitted")
    parser.add_argument("--name", default="街道管理员", help="display name")
    return parser.parse_args(argv)


async def create_admin(username: str, password: str, name: str) -> str:
    settings = GatewaySettings()
    mongo = make_client(settings.mongo_url)
    try:
        store = accounts_store(service_database(mongo, settings.subdistrict, "gateway"), settings)
        await store.create_indexes()
        user = await store.create_user(
            UserCreate(
                username=username,
                password=password,
                display_name=name,
                roles=[Role.SUBDISTRICT_ADMIN],
            )
        )
        return str(user["_id"])
    finally:
        await mongo.close()


def main(argv: list[str]) -> int:
    args = parse(argv)
    password = args.password or secrets.token_urlsafe(12)
    try:
        user_id = asyncio.run(create_admin(args.username, password, args.name))
    except Conflict as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return EXIT_TAKEN
    print(f"created subdistrict_admin {args.username!r} (id {user_id})")
    if not args.password:
        print(f"password: {password}   (shown once)")
    return 0
