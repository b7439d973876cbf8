"""Running the real bot as a separate process in tests, and preparing its database."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.models import Level, Role, pk
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
            pk(village), Role.member, expires_at=datetime.now(UTC) + timedelta(days=1)
        )
        await store.commit()
    await db.dispose()
    return invite.code


@dataclass
class BotProcess:
    env: dict[str, str]
    log: Path
    process: asyncio.subprocess.Process | None = None
    output: str = ""
    returncode: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or released by the process itself."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def read_log(self) -> str:
        return self.log.read_text(errors="replace")


_logs = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_bot(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[BotProcess]:
    """`python -m bot run` until the block ends, then SIGINT (a graceful stop), output kept.

    The output goes to a file (a pipe nobody reads would stall a chatty process)."""
    # A port of its own for the web app (tests run beside other bots and servers).
    full = {
        **os.environ, "DEMO_DATA": "false", "TELEGRAM_BOT_TOKEN": "", "WEB_PORT": str(free_port()),
        **env,
    }  # fmt: skip
    result = BotProcess(full, tmp_path / f"bot-{next(_logs)}.log")
    with result.log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=full, cwd=tmp_path,
            stdout=sink, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    result.process = process
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
        result.output = result.read_log()
        result.returncode = process.returncode


def stopped_cleanly(process: BotProcess) -> bool:
    return process.returncode in (0, -signal.SIGINT)
