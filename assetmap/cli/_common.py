"""What every command shares: logging, the error guard and the parsing of shared options.

Internal to :mod:`assetmap.cli`; the commands in :mod:`assetmap.cli.main` and
:mod:`assetmap.cli._fetch` import it, and it imports neither.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable

import click

from assetmap.errors import AssetmapError

__all__ = ["column_option", "guard", "is_quiet", "parse_columns", "parse_sheet", "setup_logging"]


def setup_logging(verbose: int, quiet: bool) -> None:
    """Set the log level from ``-v`` (repeatable) and ``-q``."""
    level = logging.WARNING
    if verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    if quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def is_quiet(ctx: click.Context) -> bool:
    """Whether ``-q`` was given to the ``assetmap`` group."""
    return bool(ctx.find_root().params.get("quiet"))


#: Where a bug is reported (named in the one line an unexpected error prints).
ISSUES_URL = "https://github.com/assetmap/assetmap/issues"


def _verbose() -> bool:
    """Whether ``-v`` was given to the ``assetmap`` group (False outside a command)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("verbose"))


def guard(fn: Callable[[], None]) -> None:
    """Run a command's body; every failure is one line on stderr, tracebacks only under -v.

    An :class:`~assetmap.errors.AssetmapError` (a mistake in the input or configuration,
    which its message names) prints ``error: <message>`` and exits with status 2. Any
    other exception is a bug of assetmap: one line says so, where to report it and that
    ``-v`` shows the traceback, and the status is 1. Ctrl-C (``KeyboardInterrupt``),
    ``sys.exit`` and click's own errors pass through untouched.

    Examples
    --------
    >>> guard(lambda: None)
    """
    try:
        fn()
    except AssetmapError as exc:
        if _verbose():
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (click.ClickException, click.exceptions.Abort, click.exceptions.Exit):
        raise
    except Exception as exc:
        if _verbose():
            traceback.print_exc()
        what = _one_line(f"{type(exc).__name__}: {exc}")[:300]
        click.echo(
            f"error: assetmap stopped on a bug ({what}); please report it at {ISSUES_URL} "
            "with the command you ran"
            + ("" if _verbose() else ", and run it again with -v to see the traceback"),
            err=True,
        )
        sys.exit(1)


def _one_line(text: str) -> str:
    """Join the lines of a message with spaces (an error is one line on the terminal)."""
    return " ".join(text.split())


def parse_columns(items: tuple[str, ...]) -> dict[str, str]:
    """Parse repeated ``--column FIELD=COLUMN`` options into a column map.

    Examples
    --------
    >>> parse_columns(("name = Program Name", "zip=ZIP"))
    {'name': 'Program Name', 'zip': 'ZIP'}
    """
    columns = {}
    for item in items:
        if "=" not in item:
            msg = f"expected FIELD=COLUMN, got {item!r}"
            raise click.BadParameter(msg, param_hint="--column")
        k, v = item.split("=", 1)
        columns[k.strip()] = v.strip()
    return columns


def parse_sheet(value: str) -> str | int:
    """Read an XLSX sheet given on the command line: a 0-based position or a name.

    Examples
    --------
    >>> parse_sheet("2"), parse_sheet("Services")
    (2, 'Services')
    """
    return int(value) if value.isdigit() else value


def column_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Return the repeatable ``--column FIELD=COLUMN`` option (parsed by :func:`parse_columns`).

    Examples
    --------
    >>> column_option("Map a field to a column.").__name__
    'decorator'
    """
    return click.option(
        "--column", "column_map", multiple=True, metavar="FIELD=COLUMN", help=help_text
    )
