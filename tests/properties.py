"""How many examples a property test (hypothesis) runs.

`make test` and CI run each property with the count it names; the developer's fast loop
(`pytest -m "not slow"`, hypothesis profile "fast", chosen in tests/conftest.py) runs a
fifth of it: a quick check that still generates, while the full count keeps hunting in
`make test`. `--hypothesis-profile default` (or `ci`) gives the full count in any run.
"""

from __future__ import annotations

from hypothesis import settings

FAST = "fast"
FAST_SHARE = 5  # the fast loop runs 1/FAST_SHARE of each count
FAST_AT_LEAST = 10

# Properties that name no count of their own: the fast loop's share of hypothesis' 100.
settings.register_profile(FAST, max_examples=100 // FAST_SHARE)


def examples(full: int) -> int:
    """`full`, or its share in the fast loop."""
    if settings.get_current_profile_name() == FAST:
        return max(FAST_AT_LEAST, full // FAST_SHARE)
    return full


def seeds(full: int, fast: int) -> range:
    """Seeds of a seeded random test: `full` of them, `fast` in the fast loop."""
    return range(fast if settings.get_current_profile_name() == FAST else full)
