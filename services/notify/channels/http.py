"""What the HTTP channels (robot, SMS, webhooks) share: one client each, and transport
failures as retryable ChannelErrors whose text never carries the URL (a robot's key and
some integrators' tokens are in it)."""

from typing import Any

import httpx

from services.notify.channels.base import ChannelError

USER_AGENT = "RedVest-Notify/1"


def new_client(timeout_s: float) -> httpx.AsyncClient:
    # No redirects: a moved endpoint is a configuration to fix, not a hop to follow blindly.
    return httpx.AsyncClient(
        timeout=timeout_s, follow_redirects=False, headers={"User-Agent": USER_AGENT}
    )


async def post(client: httpx.AsyncClient, url: str, what: str, **kwargs: Any) -> httpx.Response:
    """POST, turning a timeout or a broken connection into a retryable ChannelError."""
    try:
        return await client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ChannelError(f"{what}: timed out ({type(exc).__name__})") from None
    except httpx.TransportError as exc:
        raise ChannelError(f"{what}: connection failed ({type(exc).__name__})") from None


def json_of(response: httpx.Response) -> dict[str, Any] | None:
    """The response's JSON object, or None when it is not one (a proxy's error page)."""
    try:
        value = response.json()
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
