"""Running the real bot as a separate process in tests, and preparing its database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.models import Level, Role
from storage.seed import seed_indicators


async def make_invite(url: str) -> str:
    """A commune with one village and a day-long member invite; returns the code."""
    db = Database(url)
    await db.create_schema()
    async with db.transaction() as store:
        await seed_indicators(store)
        commune = await store.units.add("C1", "Xã Thử", Level.commune)
        village = await store.units.add("V1", "Thôn Thử", Level.village, commune)
        invite = await store.invites.create(
            village.id or 0, Role.member, expires_at=datetime.now(UTC) + timedelta(days=1)
        )
    await db.dispose()
    return invite.code


@dataclass
class BotProcess:
    env: dict[str, str]
    output: str = ""
    returncode: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


@asynccontextmanager
async def running_bot(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[BotProcess]:
    """`python -m bot run` until the block ends, then SIGINT (a graceful stop), output kept."""
    full = {**os.environ, "DEMO_DATA": "false", "TELEGRAM_BOT_TOKEN": "", **env}
    result = BotProcess(full)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=full, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield result
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        result.output = (await process.stdout.read()).decode() if process.stdout else ""
        result.returncode = process.returncode


def stopped_cleanly(process: BotProcess) -> bool:
    return process.returncode in (0, -signal.SIGINT)
