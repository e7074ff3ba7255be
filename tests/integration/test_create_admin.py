"""`python -m services.gateway create-admin` against a real store."""

import pytest
from pymongo import AsyncMongoClient

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
