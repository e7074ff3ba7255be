"""`python -m services.gateway create-admin` against a real store."""

import os
import subprocess
import sys

import pytest
from pymongo import AsyncMongoClient

from services.gateway.cli import PASSWORD_ENV
from shared.contracts.subjects import database_name
from tools.admin import CreateAdminFailed, create_admin

pytestmark = pytest.mark.integration


async def test_create_admin_takes_any_password_and_refuses_a_taken_name(
    mongo_url: str, mongo_client: AsyncMongoClient, subdistrict: str
) -> None:
    env = {"MONGO_URL": mongo_url, "SUBDISTRICT": subdistrict}
    create_admin(env, "admin", "-starts-like-an-option")  # as secrets.token_urlsafe may

    users = mongo_client[database_name(subdistrict, "gateway")]["users"]
    admin = await users.find_one({"username": "admin"})
    assert admin is not None and admin["roles"] == ["subdistrict_admin"]
    assert "-starts-like-an-option" not in str(admin)  # only the Argon2 hash is kept

    with pytest.raises(CreateAdminFailed) as again:
        create_admin(env, "admin", "another-password")
    assert again.value.taken and "is taken" in again.value.output


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.gateway", "create-admin", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
    )


async def test_create_admin_records_who_was_made_in_the_audit_log(
    mongo_url: str, mongo_client: AsyncMongoClient, subdistrict: str
) -> None:
    env = {"MONGO_URL": mongo_url, "SUBDISTRICT": subdistrict}
    create_admin(env, "audited", "a-long-enough-password")

    db = mongo_client[database_name(subdistrict, "gateway")]
    admin = await db["users"].find_one({"username": "audited"})
    assert admin is not None
    entry = await db["audit"].find_one({"action": "user_created", "target": admin["_id"]})
    assert entry is not None and entry["detail"]["roles"] == ["subdistrict_admin"]
    assert entry["actor_id"] is None  # no account made it: the command line did


async def test_a_short_password_is_refused_without_echoing_it(
    mongo_url: str, subdistrict: str
) -> None:
    env = {"MONGO_URL": mongo_url, "SUBDISTRICT": subdistrict, PASSWORD_ENV: "tiny-pw"}
    done = run_cli(env, "--username=shorty")
    output = done.stdout + done.stderr
    assert done.returncode == 2
    assert "password" in output and "at least 10 characters" in output
    assert "tiny-pw" not in output and "Traceback" not in output


async def test_the_password_may_come_on_standard_input(
    mongo_url: str, mongo_client: AsyncMongoClient, subdistrict: str
) -> None:
    env = {"MONGO_URL": mongo_url, "SUBDISTRICT": subdistrict}
    done = run_cli(env, "--username=piped", "--password-stdin", stdin="from-stdin-password\n")
    assert done.returncode == 0, done.stderr
    assert "from-stdin-password" not in done.stdout  # not generated: not printed
    users = mongo_client[database_name(subdistrict, "gateway")]["users"]
    assert await users.find_one({"username": "piped"}) is not None
