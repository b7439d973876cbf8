"""Short codes people read on a phone and type back: no 0/O or 1/I/L to confuse."""

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
