"""`selfinstruct serve`: the embedded local teacher alone."""

from __future__ import annotations

import sys

import click

from selfinstruct.cli.app import handle_errors, main


@main.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Port on --host.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--threads",
    type=int,
    default=1,
    show_default=True,
    help="CPU threads (llama.cpp's all-cores default stalls on a busy machine).",
)
@click.option(
    "--slots",
    type=int,
    default=1,
    show_default=True,
    help="Requests decoded together (llama.cpp's continuous batching); more wait in its queue.",
)
@handle_errors
def serve(port: int, host: str, threads: int, slots: int) -> None:
    """Run the embedded local teacher alone, as an OpenAI-compatible server for other tools."""
    from selfinstruct.teachers.local import serve as serve_local

    sys.exit(serve_local(port=port, host=host, threads=threads, slots=slots, echo=click.echo))
