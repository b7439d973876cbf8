"""The one retry policy: its waits, its attempts, and a sleep that tests inject."""

from __future__ import annotations

import asyncio

import pytest

from storage.retry import RetryPolicy


def recorder() -> tuple[list[float], RetryPolicy]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return waits, RetryPolicy(attempts=4, base=0.5, factor=3.0, cap=4.0, jitter=0.0, sleep=sleep)


def test_waits_grow_by_the_factor_up_to_the_cap() -> None:
    _, policy = recorder()
    assert [policy.delay(n) for n in (1, 2, 3, 4, 500)] == [0.5, 1.5, 4.0, 4.0, 4.0]


def test_jitter_varies_each_wait_within_its_fraction() -> None:
    policy = RetryPolicy(base=10.0, factor=1.0, cap=10.0, jitter=0.2)
    waits = {policy.delay(1) for _ in range(200)}
    assert all(8.0 <= w <= 12.0 for w in waits) and len(waits) > 100


async def test_a_failure_worth_retrying_is_tried_again_with_the_policys_waits() -> None:
    waits, policy = recorder()
    outcomes = iter([ConnectionError("1"), ConnectionError("2"), "done"])

    async def work() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await policy.run(work) == "done"
    assert waits == [0.5, 1.5]


async def test_the_last_error_is_raised_when_the_attempts_are_spent() -> None:
    waits, policy = recorder()
    tries = 0

    async def work() -> None:
        nonlocal tries
        tries += 1
        raise ConnectionError(f"try {tries}")

    with pytest.raises(ConnectionError, match="try 4"):
        await policy.run(work)
    assert tries == 4 and waits == [0.5, 1.5, 4.0]


async def test_an_error_not_worth_retrying_is_raised_at_once() -> None:
    waits, policy = recorder()
    tries = 0

    async def work() -> None:
        nonlocal tries
        tries += 1
        raise ValueError("a bug, not a busy database")

    with pytest.raises(ValueError):
        await policy.run(work, retry_if=lambda err: isinstance(err, ConnectionError))
    assert tries == 1 and waits == []


async def test_instant_keeps_the_attempts_and_waits_for_nothing() -> None:
    slow = RetryPolicy(attempts=3, base=3600.0, cap=3600.0)
    fast = slow.instant()
    assert fast.attempts == 3
    tries = 0

    async def work() -> None:
        nonlocal tries
        tries += 1
        raise ConnectionError

    async with asyncio.timeout(5):
        with pytest.raises(ConnectionError):
            await fast.run(work)
    assert tries == 3


async def test_a_pause_ends_as_soon_as_stop_is_set() -> None:
    policy = RetryPolicy(base=3600.0, cap=3600.0)
    stop = asyncio.Event()
    pausing = asyncio.create_task(policy.wait(1, stop))
    await asyncio.sleep(0)
    stop.set()
    async with asyncio.timeout(5):
        await pausing


def test_a_policy_makes_at_least_one_attempt() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
