"""Indicators managed as data: add, alias, rename, retire, restore, order, presets.

Neutral service functions over the store, for the CLI today and the admin web pages later.
Each one checks everything first and raises `IndicatorError` with every problem found
(nothing written); otherwise it changes the store, writes the audit log and returns the
changes made (an empty list: nothing to do). A dry run is the caller's transaction, rolled
back. Aliases are compared folded, exactly as the report grammar reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from handlers import lexicon
from handlers.folding import fold
from handlers.lexer import TokenKind, phrase_key, tokenize
from handlers.registry import BY_NAME
from handlers.types import Problem, ProblemKind
from storage.models import AuditAction, Indicator
from storage.seed import DEFAULT_WORDS, INDICATOR_PRESETS
from storage.store import Store

CODE = re.compile(r"^[a-z]{2,16}$")  # also a shortcut command: `/vssid 3`
NAME_MAX = 120
SHORT_MAX = 24
ALIAS_MAX = 64
# Commands routed before the indicator shortcuts: a code equal to one would never report
# (the registry's, and the console's own way out).
OTHER_COMMANDS = ("thoat",)


async def grammar_words(store: Store) -> tuple[list[str], list[str]]:
    """(words without a count, day words) of the report grammar: an alias equal to one
    would swallow or be swallowed. The lexicon is data beside the aliases (`report_word`,
    the defaults while it is empty); days and weekdays are the grammar's own."""
    stored = await store.indicators.words()
    words = [word for word, _kind in stored or DEFAULT_WORDS]
    return words, [*lexicon.DAY_WORDS, *lexicon.WEEKDAYS]


def command_names() -> set[str]:
    return set(BY_NAME) | set(OTHER_COMMANDS)


def alias_key(text: str) -> str:
    """An alias as the grammar compares it: folded words, single spaces."""
    return " ".join(phrase_key(text))


def typo_edits(length: int) -> int:
    """How many edits a typo of a word this long may make: the tiers of the grammar's
    suggestion (`vnied` -> vneid), taken on the longer of the two aliases compared.

    Not a flat "two edits": `vssid` is two edits from `vneid` and `ssk` two from `cks`,
    yet both are what people type; `ttt` (one from `tt`) and `vnied` are refused."""
    return 0 if length <= 2 else 1 if length <= 5 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two letters counts once), capped at
    limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    two_back: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], two_back[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        two_back, previous = previous, row
    return min(previous[-1], limit + 1)


class IndicatorError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__([p.kind for p in problems])
        self.problems = list(problems)


@dataclass(frozen=True)
class Change:
    action: str  # add, alias, unalias, rename, retire, restore, move
    code: str
    detail: str = ""


@dataclass
class Catalog:
    """Every indicator (retired too: their aliases stay reserved) and every alias."""

    indicators: dict[str, Indicator]
    keys: dict[str, str]  # folded alias (and code) -> indicator code
    written: dict[str, list[str]]  # code -> aliases as written
    grammar: dict[str, str] = field(default_factory=dict)  # folded word -> "filler" | "day"

    @classmethod
    async def load(cls, store: Store) -> Catalog:
        indicators = {i.code: i for i in await store.indicators.all()}
        keys = {code: code for code in indicators}
        written: dict[str, list[str]] = {code: [] for code in indicators}
        for alias, code in await store.indicators.aliases():
            keys.setdefault(alias_key(alias), code)
            written.setdefault(code, []).append(alias)
        fillers, days = await grammar_words(store)
        grammar = {alias_key(w): "filler" for w in fillers} | {alias_key(w): "day" for w in days}
        return cls(indicators, keys, written, grammar)

    def order(self) -> list[str]:
        return list(self.indicators)  # loaded in display order

    def label(self, code: str) -> str:
        indicator = self.indicators.get(code)
        return (indicator.short or code) if indicator else code


def check_code(catalog: Catalog, code: str) -> list[Problem]:
    if not CODE.fullmatch(code):
        return [Problem(ProblemKind.bad_code, {"code": code})]
    if code in catalog.indicators:
        return [Problem(ProblemKind.code_taken, {"code": code})]
    if code in command_names():
        return [Problem(ProblemKind.code_is_command, {"code": code})]
    return []


def check_alias(catalog: Catalog, code: str, alias: str) -> list[Problem]:
    """Why `alias` may not name indicator `code`, if it may not. An alias another
    indicator already has, a filler or day word, or one a typo away from another
    indicator's alias would make a report count the wrong thing."""
    key = alias_key(alias)
    params = {"alias": alias, "code": code}
    if not key:
        return [Problem(ProblemKind.alias_empty, params)]
    if len(alias) > ALIAS_MAX:
        return [Problem(ProblemKind.alias_too_long, params | {"limit": str(ALIAS_MAX)})]
    if any(t.kind is not TokenKind.word for t in tokenize(fold(alias)) if t.text.strip()):
        return [Problem(ProblemKind.alias_not_words, params)]
    owner = catalog.keys.get(key)
    if owner is not None and owner != code:
        return [Problem(ProblemKind.alias_taken, params | {"other": catalog.label(owner)})]
    if key in catalog.grammar:
        return [Problem(ProblemKind(f"alias_{catalog.grammar[key]}"), params)]
    for other_key, other in catalog.keys.items():
        if other == code:
            continue
        limit = typo_edits(max(len(key), len(other_key)))
        if limit and edit_distance(key, other_key, limit) <= limit:
            near = {"other": catalog.label(other), "near": other_key}
            return [Problem(ProblemKind.alias_too_close, params | near)]
    return []


def _check_aliases(
    catalog: Catalog, code: str, aliases: Iterable[str]
) -> tuple[list[str], list[Problem]]:
    """The aliases to add (new to this indicator, first spelling of each) and problems."""
    new: dict[str, str] = {}
    problems: list[Problem] = []
    for typed in aliases:
        alias = " ".join(typed.split())
        key = alias_key(alias)
        if key and (catalog.keys.get(key) == code or key in new):
            continue  # already understood: nothing to do
        found = check_alias(catalog, code, alias)
        problems += found
        if not found:
            new[key] = alias
    return list(new.values()), problems


def _check_name(name: str, short: str | None) -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem(ProblemKind.name_empty))
    elif len(name) > NAME_MAX:
        problems.append(Problem(ProblemKind.name_too_long, {"limit": str(NAME_MAX)}))
    if short is not None and (not short.strip() or len(short) > SHORT_MAX):
        problems.append(Problem(ProblemKind.bad_short, {"short": short, "limit": str(SHORT_MAX)}))
    return problems


def _known(catalog: Catalog, code: str) -> Indicator:
    indicator = catalog.indicators.get(code)
    if indicator is None:
        raise IndicatorError([Problem(ProblemKind.unknown_indicator, {"code": code})])
    return indicator


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise IndicatorError(problems)


def norm_code(code: str) -> str:
    return fold(code).strip()


async def add_indicator(
    store: Store,
    code: str,
    name: str,
    *,
    short: str | None = None,
    aliases: Iterable[str] = (),
    position: int | None = None,
    actor_id: int | None = None,
) -> list[Change]:
    catalog = await Catalog.load(store)
    code, name = norm_code(code), " ".join(name.split())
    problems = check_code(catalog, code) + _check_name(name, short)
    _raise(problems)
    problems += check_alias(catalog, code, code)
    catalog.keys[code] = code  # the code is an alias already: `--alias CODE` adds nothing
    new, alias_problems = _check_aliases(catalog, code, aliases)
    _raise(problems + alias_problems)
    label = (short or "").strip() or code.upper()
    order = catalog.order()
    last = len(order)
    await store.indicators.add(code, name, [code, *new], short=label, position=last)
    await store.audit(actor_id, AuditAction.indicator_add, f"{code} {name!r} {label!r} {new}")
    changes = [Change("add", code, f"{label} — {name}")]
    changes += [Change("alias", code, alias) for alias in new]
    order.insert(last if position is None else max(0, position), code)
    catalog.indicators[code] = Indicator(code=code, name=name, short=label, position=last)
    moves = await _renumber(store, catalog, order, actor_id)
    return changes + [c for c in moves if c.code != code]


async def change_aliases(
    store: Store,
    code: str,
    aliases: Sequence[str],
    *,
    remove: bool = False,
    actor_id: int | None = None,
) -> list[Change]:
    catalog = await Catalog.load(store)
    code = norm_code(code)
    _known(catalog, code)
    if remove:
        return await _remove_aliases(store, catalog, code, aliases, actor_id)
    new, problems = _check_aliases(catalog, code, aliases)
    _raise(problems)
    if new:
        await store.indicators.add_aliases(code, new)
        await store.audit(actor_id, AuditAction.indicator_alias, f"{code} +{new}")
    return [Change("alias", code, alias) for alias in new]


async def _remove_aliases(
    store: Store, catalog: Catalog, code: str, aliases: Sequence[str], actor_id: int | None
) -> list[Change]:
    written = catalog.written.get(code, [])
    gone: list[str] = []
    problems: list[Problem] = []
    for alias in aliases:
        key = alias_key(alias)
        if key == code:
            problems.append(Problem(ProblemKind.alias_is_code, {"alias": alias, "code": code}))
            continue
        matching = [w for w in written if alias_key(w) == key]
        if not matching:
            problems.append(Problem(ProblemKind.alias_missing, {"alias": alias, "code": code}))
        gone += [w for w in matching if w not in gone]
    _raise(problems)
    if gone:
        await store.indicators.remove_aliases(gone)
        await store.audit(actor_id, AuditAction.indicator_unalias, f"{code} -{gone}")
    return [Change("unalias", code, alias) for alias in gone]


async def rename(
    store: Store, code: str, name: str, *, short: str | None = None, actor_id: int | None = None
) -> list[Change]:
    catalog = await Catalog.load(store)
    indicator = _known(catalog, norm_code(code))
    name = " ".join(name.split())
    _raise(_check_name(name, short))
    short = short.strip() if short is not None else None
    if name == indicator.name and short in (None, indicator.short):
        return []
    before = f"{indicator.short} — {indicator.name}"
    await store.indicators.update(indicator.code, name=name, short=short)
    after = f"{short or indicator.short} — {name}"
    await store.audit(
        actor_id, AuditAction.indicator_rename, f"{indicator.code} {before!r} -> {after!r}"
    )
    return [Change("rename", indicator.code, f"{before} → {after}")]


async def set_active(
    store: Store, code: str, active: bool, *, actor_id: int | None = None
) -> list[Change]:
    """Retire (no new reports; history, targets and exports stay) or restore."""
    catalog = await Catalog.load(store)
    indicator = _known(catalog, norm_code(code))
    if indicator.active == active:
        return []
    action = "restore" if active else "retire"
    await store.indicators.update(indicator.code, active=active)
    done = AuditAction.indicator_restore if active else AuditAction.indicator_retire
    await store.audit(actor_id, done, indicator.code)
    return [Change(action, indicator.code, indicator.short or indicator.code)]


async def reorder(
    store: Store, codes: Sequence[str], *, actor_id: int | None = None
) -> list[Change]:
    """The given indicators first, in this order; the others after them, as they were."""
    catalog = await Catalog.load(store)
    wanted = [norm_code(c) for c in codes]
    problems = [
        Problem(ProblemKind.unknown_indicator, {"code": c})
        for c in wanted
        if c not in catalog.indicators
    ]
    repeated = [c for c in dict.fromkeys(wanted) if wanted.count(c) > 1]
    problems += [Problem(ProblemKind.repeated, {"code": c}) for c in repeated]
    _raise(problems)
    order = wanted + [c for c in catalog.order() if c not in wanted]
    return await _renumber(store, catalog, order, actor_id)


async def _renumber(
    store: Store, catalog: Catalog, order: list[str], actor_id: int | None
) -> list[Change]:
    changes = []
    for position, code in enumerate(order):
        was = catalog.indicators[code].position
        if was != position:
            await store.indicators.update(code, position=position)
            changes.append(Change("move", code, f"{was} → {position}"))
    if changes:
        await store.audit(actor_id, AuditAction.indicator_order, " ".join(order))
    return changes


async def apply_preset(store: Store, name: str, *, actor_id: int | None = None) -> list[Change]:
    """Switch on a preset: missing indicators added at the end, retired ones restored,
    missing aliases added. Running it again changes nothing."""
    preset = INDICATOR_PRESETS.get(name.strip().lower())
    if preset is None:
        known = ", ".join(INDICATOR_PRESETS)
        raise IndicatorError([Problem(ProblemKind.unknown_preset, {"name": name, "known": known})])
    catalog = await Catalog.load(store)
    problems: list[Problem] = []
    plan: list[tuple[str, str, str, list[str], bool]] = []  # code, short, name, new, exists
    for code, short, full_name, aliases in preset:
        exists = code in catalog.indicators
        if not exists:
            problems += check_code(catalog, code) + check_alias(catalog, code, code)
            catalog.keys.setdefault(code, code)
        new, found = _check_aliases(catalog, code, aliases)
        problems += found
        for alias in new:  # later indicators of the preset are checked against these
            catalog.keys[alias_key(alias)] = code
        plan.append((code, short, full_name, new, exists))
    _raise(problems)
    changes: list[Change] = []
    for code, short, full_name, new, exists in plan:
        if not exists:
            changes += await add_indicator(
                store, code, full_name, short=short, aliases=new, actor_id=actor_id
            )
            continue
        changes += await set_active(store, code, True, actor_id=actor_id)
        if new:
            changes += await change_aliases(store, code, new, actor_id=actor_id)
    return changes


async def listing(store: Store) -> list[tuple[Indicator, list[str]]]:
    """Every indicator in display order with its aliases as written."""
    catalog = await Catalog.load(store)
    return [(i, sorted(catalog.written.get(c, []))) for c, i in catalog.indicators.items()]
