"""A subdistrict_admin for `make up`, the benchmark and the end-to-end tests: created with
the gateway's own CLI (`python -m services.gateway create-admin`), signed in over HTTP."""

import os
import subprocess
import sys
from collections.abc import Mapping

import httpx

from services.gateway.cli import EXIT_TAKEN, PASSWORD_ENV


class CreateAdminFailed(RuntimeError):
    def __init__(self, returncode: int, output: str) -> None:
        super().__init__(f"create-admin exited {returncode}: {output.strip()}")
        self.output = output.strip()
        self.taken = returncode == EXIT_TAKEN


def create_admin(env: Mapping[str, str], username: str, password: str) -> None:
    """Raises CreateAdminFailed with the CLI's own message (`.taken` if the name is)."""
    done = subprocess.run(
        # "=" form: a username may begin with "-", which argparse would take for an option.
        [sys.executable, "-m", "services.gateway", "create-admin", f"--username={username}"],
        # The password goes in the environment, never in argv (visible in `ps`).
        env={**os.environ, **env, PASSWORD_ENV: password},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise CreateAdminFailed(done.returncode, done.stderr + done.stdout)


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    """Headers that carry a fresh access token."""
    response = await http.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
