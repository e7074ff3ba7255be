"""Request/reply with typed errors, on a real NATS server."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from pydantic import BaseModel, ConfigDict, Field

from shared.bus.rpc import CallContext, RpcClient, serve
from shared.contracts.rpc import Conflict, Invalid, NotFound, ServiceError, Unavailable

pytestmark = pytest.mark.integration


class Greet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=10)


async def greet(cmd: Greet, ctx: CallContext) -> dict[str, Any]:
    if cmd.name == "ghost":
        raise NotFound("no such person: ghost")
    if cmd.name == "twin":
        raise Conflict("already greeted")
    if cmd.name == "bug":
        raise ZeroDivisionError("secret internals")
    if cmd.name == "slow":
        await asyncio.sleep(1.0)
    return {"hello": cmd.name, "correlation_id": ctx.correlation_id}


@pytest.fixture
async def rpc(nats_url: str, nats_client: NatsClient, subdistrict: str) -> AsyncIterator[RpcClient]:
    broker = NatsBroker(nats_url)
    serve(
        broker, subdistrict=subdistrict, service="svc", command="greet", model=Greet, handler=greet
    )
    await broker.start()
    await broker.connection.flush()  # subscriptions registered before the first call
    yield RpcClient(nats_client, subdistrict, timeout_s=5)  # generous: CI machines get busy
    await broker.stop()


async def test_result_and_correlation_id_travel_back(rpc: RpcClient) -> None:
    result = await rpc.call("svc", "greet", Greet(name="邓"), correlation_id="corr-1")
    assert result == {"hello": "邓", "correlation_id": "corr-1"}


@pytest.mark.parametrize(("name", "error"), [("ghost", NotFound), ("twin", Conflict)])
async def test_typed_errors_reach_the_caller(
    rpc: RpcClient, name: str, error: type[ServiceError]
) -> None:
    with pytest.raises(error):
        await rpc.call("svc", "greet", Greet(name=name))


async def test_invalid_body_is_a_validation_error_naming_the_field(rpc: RpcClient) -> None:
    class Loose(BaseModel):
        name: str
        extra: int

    with pytest.raises(Invalid) as caught:
        await rpc.call("svc", "greet", Loose(name="a" * 11, extra=1))
    fields = {tuple(d.loc) for d in caught.value.details}
    assert fields == {("name",), ("extra",)}


async def test_unexpected_failure_is_internal_without_leaking_details(rpc: RpcClient) -> None:
    with pytest.raises(ServiceError) as caught:
        await rpc.call("svc", "greet", Greet(name="bug"))
    assert type(caught.value) is ServiceError
    assert "secret" not in caught.value.message


async def test_no_service_answering_is_unavailable(rpc: RpcClient) -> None:
    with pytest.raises(Unavailable):
        await rpc.call("nobody", "greet", Greet(name="x"))


async def test_a_slow_command_does_not_hold_up_the_next(rpc: RpcClient) -> None:
    slow = asyncio.create_task(rpc.call("svc", "greet", Greet(name="slow")))
    await asyncio.sleep(0.1)  # let the slow one reach the service first

    assert (await rpc.call("svc", "greet", Greet(name="quick")))["hello"] == "quick"
    assert not slow.done(), "the quick call waited for the slow one"
    assert (await slow)["hello"] == "slow"


async def test_a_closed_connection_is_unavailable_not_a_crash(
    nats_url: str, subdistrict: str
) -> None:
    nc = await nats.connect(nats_url)
    await nc.close()
    with pytest.raises(Unavailable, match="message bus is unavailable"):
        await RpcClient(nc, subdistrict).call("svc", "greet", Greet(name="x"))
