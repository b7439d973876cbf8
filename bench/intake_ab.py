"""One intake run of the code tree it is run from, as one JSON line of rates per second:
the way to compare two trees (an older commit checked out elsewhere, and this one) in the
same session, run alternately:

    cd OTHER_TREE && PYTHONPATH=. python /path/to/bench/intake_ab.py
    cd THIS_TREE && PYTHONPATH=. python -m bench.intake_ab

It calls that tree's own `bench.intake_bench.run` (older trees take no `runs` argument).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from bench import intake_bench


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result: dict[str, Any] = asyncio.run(intake_bench.run(Path(tmp), 2000, 1))
        except TypeError:  # a tree from before `runs`
            result = asyncio.run(intake_bench.run(Path(tmp), 2000))  # type: ignore[call-arg]
    rates = {key: getattr(value, "median", value) for key, value in result.items()}
    print(json.dumps(rates, default=str))


if __name__ == "__main__":
    main()
