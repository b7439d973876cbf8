"""One retry policy: how often to try again and how long to wait between tries.

Every layer that tries something again takes a `RetryPolicy` (injected; the composition
root, `bot.compose.retries`, builds the shipped ones) and each concern is retried at one
layer only: a transaction that met a busy database in the handlers, a platform call in its
client or polling loop, an outbox row in the delivery worker. The waits come from the
policy, sleep included, so a test passes `instant()` and waits for nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


async def no_wait(seconds: float) -> None:
    """A sleep that waits for nothing (it still lets the other tasks run)."""
    await asyncio.sleep(0)


def _always(error: BaseException) -> bool:
    return True


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in all (1: no retry); after the n-th failure in a row the wait is
    `base * factor ** (n - 1)`, at most `cap`, varied by up to `jitter` either way (so the
    retries of many callers do not line up)."""

    attempts: int = 3
    base: float = 0.5  # seconds, after the first failure
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.2  # a fraction of the wait
    sleep: Sleep = field(default=asyncio.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a retry policy makes at least one attempt")
        if min(self.base, self.factor, self.cap, self.jitter) < 0 or self.jitter >= 1:
            raise ValueError("retry waits are not negative, and jitter is below 1")

    def delay(self, failures: int) -> float:
        """The wait after `failures` failures in a row (1: after the first)."""
        exponent = max(0, failures - 1)
        wait = self.cap if exponent > 64 else min(self.cap, self.base * self.factor**exponent)
        if self.jitter:
            wait *= random.uniform(1 - self.jitter, 1 + self.jitter)
        return wait

    def instant(self) -> RetryPolicy:
        """The same attempts, without waiting (tests)."""
        return replace(self, sleep=no_wait)

    async def pause(self, seconds: float, stop: asyncio.Event | None = None) -> None:
        """Sleep `seconds` with the policy's sleep; over at once when `stop` is set."""
        if stop is None:
            await self.sleep(seconds)
            return
        if stop.is_set():
            return
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeping, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (sleeping, stopped):
                waiter.cancel()
            await asyncio.gather(sleeping, stopped, return_exceptions=True)

    async def wait(self, failures: int, stop: asyncio.Event | None = None) -> None:
        """The wait after `failures` failures in a row."""
        await self.pause(self.delay(failures), stop)

    async def run(
        self,
        work: Callable[[], Awaitable[T]],
        *,
        retry_if: Callable[[BaseException], bool] = _always,
        what: str = "a call failed",
        logger: logging.Logger = log,
    ) -> T:
        """`work()` until it succeeds, its error is not worth a retry, or the attempts are
        spent (then its last error is raised)."""
        failures = 0
        while True:
            try:
                return await work()
            except Exception as err:
                failures += 1
                if failures >= self.attempts or not retry_if(err):
                    raise
                wait = self.delay(failures)
                logger.warning(
                    "%s (%s, attempt %d/%d); again in %.2fs",
                    what, type(err).__name__, failures, self.attempts, wait,
                )  # fmt: skip
                await self.sleep(wait)
