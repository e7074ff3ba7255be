"""`python -m services.gateway create-admin`: the first subdistrict_admin account.

    RV_ADMIN_PASSWORD=... python -m services.gateway create-admin --username admin
    python -m services.gateway create-admin --username admin --password-stdin < file
    python -m services.gateway create-admin --username admin [--name 管理员]

The password comes from standard input (--password-stdin) or the environment variable
RV_ADMIN_PASSWORD, so it never shows in the process list; without either (or the older
--password, which does show there) a strong one is generated and printed once. Writes to
the gateway's own database (GATEWAY_MONGO_URL / MONGO_URL, SUBDISTRICT) and records a
`user_created` row in its audit log. Exit status 3 if the username is taken, 2 for
invalid input, 1 for other failures.
"""

import argparse
import asyncio
import os
import secrets
import sys

from pydantic import ValidationError

from services.gateway.accounts.model import Role
from services.gateway.accounts.schemas import UserCreate
from services.gateway.accounts.store import AuditLog
from services.gateway.app import accounts_store
from services.gateway.config import GatewaySettings
from shared.contracts.rpc import Conflict
from shared.store.client import make_client, service_database

EXIT_TAKEN = 3
EXIT_INVALID = 2
PASSWORD_ENV = "RV_ADMIN_PASSWORD"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.gateway create-admin")
    parser.add_argument("--username", required=True)
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (10+ characters) from standard input",
    )
    parser.add_argument(
        "--password",
        help=f"visible in the process list: prefer {PASSWORD_ENV} or --password-stdin",
    )
    parser.add_argument("--name", default="街道管理员", help="display name")
    return parser.parse_args(argv)


async def create_admin(body: UserCreate) -> str:
    settings = GatewaySettings()
    mongo = make_client(settings.mongo_url)
    try:
        db = service_database(mongo, settings.subdistrict, "gateway")
        store = accounts_store(db, settings)
        await store.create_indexes()
        user = await store.create_user(body)
        await AuditLog(db).record(
            "user_created",
            actor=None,
            target=user["_id"],
            detail={"roles": user["roles"], "by": "command line (create-admin)"},
        )
        return str(user["_id"])
    finally:
        await mongo.close()


def given_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return os.environ.get(PASSWORD_ENV) or args.password


def main(argv: list[str]) -> int:
    args = parse(argv)
    given = given_password(args)
    password = secrets.token_urlsafe(12) if given is None else given
    try:
        body = UserCreate(
            username=args.username,
            password=password,
            display_name=args.name,
            roles=[Role.SUBDISTRICT_ADMIN],
        )
    except ValidationError as exc:
        # Only the field and the rule: pydantic's own message would echo the input,
        # the password included.
        for error in exc.errors(include_input=False, include_url=False):
            field = ".".join(str(part) for part in error["loc"])
            print(f"create-admin: {field}: {error['msg']}", file=sys.stderr)
        return EXIT_INVALID
    try:
        user_id = asyncio.run(create_admin(body))
    except Conflict as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return EXIT_TAKEN
    print(f"created subdistrict_admin {args.username!r} (id {user_id})")
    if given is None:
        print(f"password: {password}   (shown once)")
    return 0
