"""The configurable rules a service record follows (from RegistrySettings), as plain values so
the domain functions stay free of settings and I/O."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordRules:
    # Cumulative hours for star levels 1..5, rising.
    thresholds_h: tuple[float, ...] = (100, 300, 600, 1000, 1500)
    # Levels awarded only when an admin approves them.
    levels_needing_approval: frozenset[int] = frozenset({5})
    # Whole time-bank points per hour served.
    points_per_hour: int = 10
