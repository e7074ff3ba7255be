"""The query every service answers, so the gateway can report the health of all of them."""

from shared.contracts.commands.common import Command

PING = "ping"


class Ping(Command):
    """Is this service up, and can it reach its database?"""
