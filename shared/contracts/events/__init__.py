"""Event payloads, one module per producing service. Importing this package registers them all."""

from shared.contracts.events import notify, requests

__all__ = ["notify", "requests"]
