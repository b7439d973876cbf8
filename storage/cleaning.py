"""Cleaning text from outside (chat updates, imported files) before anything reads or stores it.

Control characters carry nothing a person meant: ESC and BEL would reach terminals and chat
clients, and NUL cannot be stored in PostgreSQL text at all. Names and titles also lose the
bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and kin), which make a name display as
something else (in Vietnamese text they have no use), and their line breaks become spaces.
"""

from __future__ import annotations

import re

# C0 (but tab, line feed, carriage return), DEL and C1.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides, isolates and marks.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile("[ \t\n\r\u2028\u2029]*[\t\n\r\u2028\u2029][ \t\n\r\u2028\u2029]*")


def clean_text(value: str) -> str:
    """A message's text without control characters (line breaks and tabs stay)."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


def clean_name(value: str) -> str:
    """A name or title on one line: no control or bidirectional characters, no line
    breaks (spaces instead), no spaces at either end."""
    value = _BIDI.sub("", clean_text(value))
    return _BREAKS.sub(" ", value).strip()
