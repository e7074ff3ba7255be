"""The wait after a failed send: exponential with full jitter, capped, never instant."""

import random

import pytest

from services.notify.domain.backoff import cap_of, next_delay

pytestmark = pytest.mark.unit


def test_the_cap_doubles_per_attempt_up_to_the_maximum() -> None:
    assert [cap_of(n, 30, 3600) for n in (1, 2, 3, 4, 8, 9)] == [30, 60, 120, 240, 3600, 3600]
    assert cap_of(10_000, 30, 3600) == 3600  # no overflow however many tries


def test_delays_spread_over_the_whole_range_below_the_cap() -> None:
    rng = random.Random(7)
    delays = [next_delay(3, 30, 3600, rng) for _ in range(2000)]
    assert all(3.0 <= d <= 120 for d in delays)
    assert min(delays) < 10 and max(delays) > 110  # full jitter, not around a centre
    assert len(set(delays)) > 1900


def test_a_retry_never_fires_at_once() -> None:
    rng = random.Random(1)
    assert min(next_delay(1, 30, 3600, rng) for _ in range(2000)) >= 3.0  # base / 10
    assert min(next_delay(1, 5, 3600, rng) for _ in range(2000)) >= 1.0
    # A base below the floor (fast tests) keeps its own cap.
    assert all(0 < next_delay(1, 0.2, 1, rng) <= 0.2 for _ in range(100))


def test_the_same_seed_gives_the_same_delays() -> None:
    first = [next_delay(n, 30, 3600, random.Random(42)) for n in range(1, 7)]
    again = [next_delay(n, 30, 3600, random.Random(42)) for n in range(1, 7)]
    assert first == again
