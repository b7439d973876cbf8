"""SQLite databases that CLI tests start from, made once per session and copied per test.

`cnsbot db upgrade` on an empty file runs every migration (~0.1 s), the demo seeding more;
the CLI tests of a file each start from the same one. Here it is made once by the same
code path (the CLI's `db upgrade`, `compose.build(demo=True)`), and each test gets its own
copy of the file. A test's own `db upgrade` then finds the schema at head (its no-op
path); the migrations themselves are tested from empty databases (tests/storage/
test_migrate.py, tests/bot/test_cli_schema.py). PostgreSQL: nothing is copied, each test
makes its own as before.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

Recipe = Callable[[], None]  # makes the database at $DATABASE_URL and closes it


def upgraded() -> None:
    """`cnsbot db upgrade` on an empty database: the schema, the default indicators."""
    from typer.testing import CliRunner  # imported by the tests that use it, not by all

    from bot.cli.app import app

    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output


def demo() -> None:
    """What `cnsbot run --demo` makes of an empty database: the schema and the demo."""
    from bot import compose
    from bot.settings import Settings

    async def build() -> None:
        runtime = await compose.build(Settings(), demo=True)
        await runtime.db.dispose()

    asyncio.run(build())


class BuiltOnce:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[str, Path] = {}

    def copy(self, recipe: Recipe, url: str, *, key: str = "") -> None:
        """Make the (empty, not yet existing) SQLite database at `url` what `recipe` makes
        (`key` names what it makes; the recipe's own name by default)."""
        target = Path(make_url(url).database or "")
        assert not target.exists(), f"{target} exists: a copy would replace it"
        name = key or f"{recipe.__module__}.{recipe.__qualname__}"
        if name not in self.made:
            path = self.folder / f"{name}.db"
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("DATABASE_URL", f"sqlite:///{path}")
                patch.setenv("TELEGRAM_BOT_TOKEN", "")
                recipe()
            # Every connection closed: the WAL is folded into the file, which is all copied.
            assert not path.with_name(path.name + "-wal").exists()
            self.made[name] = path
        shutil.copyfile(self.made[name], target)
