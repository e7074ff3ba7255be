"""Schemathesis against the running gateway's own OpenAPI document: generated inputs for
every operation find no 5xx and no response that contradicts the documented schema.
Bounded (max_examples per operation) so `make test` stays quick."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.e2e.conftest import Launch, sign_in_admin

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 15
# Streams never end; they are exercised by their own tests.
SKIP = {"/api/v1/events/stream"}


async def test_generated_requests_find_no_server_errors_or_schema_violations(
    launch: Launch,
) -> None:
    processes = [
        launch("requests"),
        launch("notify"),
        launch("registry"),
        launch("activities"),
        launch("gateway", RATE_LIMIT_PER_ACCOUNT="100000/minute"),  # fuzzing is not abuse
    ]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    schema = schemathesis.openapi.from_url(f"{gateway.base_url}/openapi.json")
    operations = [op.ok() for op in schema.get_all_operations() if op.ok().path not in SKIP]
    assert len(operations) >= 10, "the schema lost its operations"

    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,  # the same inputs every run: a failure reproduces
        )
        @given(case=operation.as_strategy())
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=gateway.base_url,
                headers=admin,
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        exercise()
