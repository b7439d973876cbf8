"""Counted nouns in the admin CLI's English output: "1 use", "2 uses"."""

from __future__ import annotations


def counted(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def was_were(number: int) -> str:
    return "was" if number == 1 else "were"
