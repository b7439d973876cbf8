"""`cnsbot`: run the bot, chat in the console, see what the parser understands."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import date
from typing import Annotated

import typer
from pydantic import ValidationError

from bot import compose, runner
from bot.cli import copy as cli_copy
from bot.cli import data as cli_data
from bot.cli import indicators as cli_indicators
from bot.cli import invites as cli_invites
from bot.cli import members as cli_members
from bot.cli import outbox as cli_outbox
from bot.cli import schedule as cli_schedule
from bot.cli import units as cli_units
from bot.logsafe import redact_logs
from bot.settings import Settings
from handlers import texts, texts_language
from handlers.commands import parse_command, report_text
from handlers.grammar import ReportError, Vocabulary, parse_report
from handlers.types import Incoming
from reminders.calendar import earliest_open_day, vn_today
from storage.seed import DEFAULT_INDICATORS

app = typer.Typer(
    help="cnsbot: reports of community digital technology teams.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a frame's locals may hold a token
)
log = logging.getLogger("bot")

app.add_typer(cli_units.app, name="units")
app.add_typer(cli_invites.app, name="invite")
app.add_typer(cli_members.app, name="members")
app.add_typer(cli_data.targets_app, name="targets")
app.add_typer(cli_data.db_app, name="db")
cli_data.db_app.command("copy")(cli_copy.copy)
app.add_typer(cli_outbox.app, name="outbox")
app.add_typer(cli_indicators.app, name="indicators")
app.command()(cli_data.export)
app.command()(cli_schedule.remind)
app.command()(cli_schedule.tally)
app.command("zalo-oa-token")(cli_data.zalo_oa_token)


def main() -> None:
    try:
        app()
    except ValidationError as err:
        if err.title != Settings.__name__:
            raise
        # pydantic's own text quotes the input (the secrets too): only the reasons go out.
        typer.echo(f"cnsbot: the settings were refused:\n{settings_problems(err)}", err=True)
        sys.exit(2)


def settings_problems(err: ValidationError) -> str:
    lines = []
    for problem in err.errors(include_input=False, include_url=False):
        where = ".".join(str(part).upper() for part in problem["loc"])
        lines.append(f"  {where + ': ' if where else ''}{problem['msg']}")
    return "\n".join(lines)


@app.command()
def run() -> None:
    """Start the bot: Telegram and/or Zalo when tokens are set, else the console on demo data."""
    settings = Settings()
    compose.setup_logging(settings.log_level, settings.log_format)
    redact_logs(settings.secrets())  # from here on, through the first poll and to the end
    try:
        if not settings.has_channel:
            asyncio.run(runner.run_console(settings, "an", demo=settings.demo_data))
            return
        asyncio.run(runner.run_channels(settings))
    except Exception:
        log.exception("the bot stopped on an error")
        raise typer.Exit(1) from None


@app.command()
def console(
    as_: Annotated[
        str,
        typer.Option("--as", help="Console user: 'an' (member), 'binh' (leader), or a new name"),
    ] = "an",
) -> None:
    """Chat with the bot in this terminal, through the same handlers and database."""
    settings = Settings()
    compose.setup_logging("WARNING")
    redact_logs(settings.secrets())
    asyncio.run(runner.run_console(settings, as_, demo=settings.demo_data))


def _vocabulary() -> Vocabulary:
    return Vocabulary.build((code, [code, *aliases]) for code, _, _, aliases in DEFAULT_INDICATORS)


def _parse_one(
    text: str, vocabulary: Vocabulary, today: date, settings: Settings
) -> dict[str, object]:
    """Read a message exactly as a private chat does: commands (`/bc`, `/baocao`, `/report`,
    `/bc@Bot`, `/vneid 5`) through the same `parse_command` and `report_text`."""
    labels = {code: short for code, short, _, _ in DEFAULT_INDICATORS}
    incoming = Incoming(key="cli", platform="cli", chat_id="cli", user_id="cli", text=text)
    command = parse_command(incoming)
    report = None if command is None else report_text(command, vocabulary.codes)
    if command is not None and report is None:
        error = _plain(texts_language.not_a_report(command.name))
        return {"ok": False, "error": error, "kind": "not_a_report"}
    if report is None or not report.strip():
        return {"ok": False, "error": _plain(texts.REPORT_NEEDS_TEXT), "kind": "empty"}
    try:
        parsed = parse_report(
            report,
            vocabulary=vocabulary,
            today=today,
            cap=settings.per_entry_cap,
            earliest_open=earliest_open_day(today, settings.period_grace_days),
        )
    except ReportError as err:
        result: dict[str, object] = {
            "ok": False,
            "error": _plain(texts.refusal(err, labels)),
            "kind": err.kind,
        }
        if err.params.get("suggestion"):
            result["suggestion"] = err.params["suggestion"]
        return result
    result = {"ok": True, "counts": parsed.counts, "date": parsed.day.isoformat()}
    if parsed.set_aside:
        result["set_aside"] = list(parsed.set_aside)
    return result


def _plain(html: str) -> str:
    from bot.render import html_to_plain

    return html_to_plain(html)


@app.command()
def parse(
    text: Annotated[
        str | None, typer.Argument(help="The message, as a person would type it")
    ] = None,
    today: Annotated[str | None, typer.Option(help="Pretend today is YYYY-MM-DD")] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Read JSON strings, one per line, from stdin")
    ] = False,
) -> None:
    """Show what the bot understands of a message, as JSON. Needs no database or token."""
    settings = Settings()
    day = date.fromisoformat(today) if today else vn_today(compose.system_clock())
    vocabulary = _vocabulary()
    if jsonl == (text is not None):
        raise typer.BadParameter("give either TEXT or --jsonl (with messages on standard input)")
    if text is not None:
        typer.echo(json.dumps(_parse_one(text, vocabulary, day, settings), ensure_ascii=False))
        return
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            if not isinstance(message, str):
                raise ValueError("not a JSON string")
        except ValueError as err:
            result: dict[str, object] = {
                "ok": False,
                "error": f"line {number}: {err}",
                "kind": "bad_input",
            }
        else:
            result = _parse_one(message, vocabulary, day, settings)
        typer.echo(json.dumps(result, ensure_ascii=False))
