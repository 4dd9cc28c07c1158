"""The click group, and the one place where the package's errors become one-line messages.

Every `SelfInstructError` becomes one line on stderr and its exit code (1, or 2 for usage
errors, as click's own); tracebacks only with --debug.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from selfinstruct.errors import SelfInstructError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    from selfinstruct.printable import one_line  # a message may quote a server's text

    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


RESUMABLE = "interrupted; run the same command again to resume"
#: For the commands whose outputs appear only when complete (dedup, clean).
NOTHING_WRITTEN = "interrupted; nothing was written (the outputs appear only when complete)"


def handle_errors(func: F | None = None, *, interrupted: str = RESUMABLE) -> Any:
    """Turn the package's errors into one-line messages (the one place that does it); a
    Ctrl-C prints `interrupted` and exits 130. `@handle_errors` or `@handle_errors(...)`."""
    if func is None:
        return functools.partial(handle_errors, interrupted=interrupted)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return func(*args, **kwargs)
        except SelfInstructError as exc:
            if debug:
                raise
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo(f"\n{interrupted}", err=True)
            sys.exit(130)

    return wrapper


@click.group()
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="selfinstruct")
def main(debug: bool) -> None:
    """Grow a few human-written seed tasks into a clean instruction-tuning dataset."""


ROUGE_TOKENIZERS = "default: rouge_score's (ASCII); unicode: every script."


def tokenizer_option(help_text: str) -> Callable[[F], F]:
    """`--tokenizer` of the commands that run ROUGE-L on their own (seeds check, dedup, clean)."""
    return click.option(
        "--tokenizer",
        type=click.Choice(["default", "unicode"]),
        default="default",
        show_default=True,
        help=help_text,
    )
