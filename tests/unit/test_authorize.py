"""The authorization decision, as a table: pure, no I/O."""

import pytest
from fastapi import HTTPException

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import UNCHECKABLE, Scope, Target, authorize

pytestmark = pytest.mark.unit

ADMINS = frozenset({Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN})


def person(*roles: Role, communities: tuple[str, ...] = (), member: str | None = None) -> Principal:
    return Principal(
        id="u",
        name="n",
        kind="user",
        roles=frozenset(roles),
        communities=frozenset(communities),
        member_id=member,
    )


SUB = person(Role.SUBDISTRICT_ADMIN)
QUANYUN = person(Role.COMMUNITY_ADMIN, communities=("quanyun",))
VOLUNTEER = person(Role.VOLUNTEER, member="m1")
READ_KEY = Principal(id="k", name="k", kind="api_key", roles=frozenset({Role.INTEGRATION}))


@pytest.mark.parametrize(
    ("who", "roles", "scope", "target", "write", "status"),
    [
        (None, ADMINS, Scope.PUBLIC, Target(None), False, None),
        (None, ADMINS, Scope.AUTHENTICATED, Target(None), False, 401),
        (VOLUNTEER, ADMINS, Scope.AUTHENTICATED, Target(None), False, None),
        (None, ADMINS, Scope.COMMUNITY, Target("quanyun"), False, 401),
        (VOLUNTEER, ADMINS, Scope.COMMUNITY, Target("quanyun"), False, 403),
        (QUANYUN, ADMINS, Scope.COMMUNITY, Target("quanyun"), False, None),
        (QUANYUN, ADMINS, Scope.COMMUNITY, Target("xinggang"), False, 403),
        (QUANYUN, ADMINS, Scope.COMMUNITY, Target("xinggang", from_resource=True), False, 404),
        (QUANYUN, ADMINS, Scope.COMMUNITY, Target(None), False, 403),  # must name one
        (SUB, ADMINS, Scope.COMMUNITY, Target(None), False, None),  # reaches all
        (QUANYUN, ADMINS, Scope.COMMUNITY, UNCHECKABLE, False, None),  # the 422 will say why
        (QUANYUN, ADMINS, Scope.SUBDISTRICT, Target(None), False, None),
        (READ_KEY, frozenset({Role.INTEGRATION}), Scope.COMMUNITY, Target("x"), False, None),
        (READ_KEY, frozenset({Role.INTEGRATION}), Scope.COMMUNITY, Target("x"), True, 403),
        (VOLUNTEER, frozenset({Role.VOLUNTEER}), Scope.SELF, Target("m1"), False, None),
        (VOLUNTEER, frozenset({Role.VOLUNTEER}), Scope.SELF, Target("m2"), False, 403),
    ],
)
def test_authorize(
    who: Principal | None,
    roles: frozenset[Role],
    scope: Scope,
    target: Target,
    write: bool,
    status: int | None,
) -> None:
    if status is None:
        authorize(who, roles, scope, target, write)
        return
    with pytest.raises(HTTPException) as refused:
        authorize(who, roles, scope, target, write)
    assert refused.value.status_code == status
