"""Event payloads, one module per producing service. Importing this package registers them all."""

from shared.contracts.events import activities, notify, registry, requests

__all__ = ["activities", "notify", "registry", "requests"]
