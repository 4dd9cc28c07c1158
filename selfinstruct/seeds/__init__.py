"""Seed tasks: loading them (Self-Instruct or Alpaca format, file:line errors) and keeping a seed
set healthy and growing it from a run."""
