"""The authorization decision, as a table: pure, no I/O."""

import pytest
from fastapi import HTTPException

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import UNCHECKABLE, Scope, Target, authorize
from tests.factories import api_key, person

pytestmark = pytest.mark.unit

ADMINS = frozenset({Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN})


SUB = person(Role.SUBDISTRICT_ADMIN)
QUANYUN = person(Role.COMMUNITY_ADMIN, communities=("quanyun",))
VOLUNTEER = person(Role.VOLUNTEER, member="m1")
READ_KEY = api_key()


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
        # A read-only key may not write even where any signed-in caller may (e.g. a
        # password change); reads there stay open to it, and public routes to everyone.
        (READ_KEY, ADMINS, Scope.AUTHENTICATED, Target(None), True, 403),
        (READ_KEY, ADMINS, Scope.AUTHENTICATED, Target(None), False, None),
        (QUANYUN, ADMINS, Scope.AUTHENTICATED, Target(None), True, None),
        (None, ADMINS, Scope.PUBLIC, Target(None), True, None),
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
