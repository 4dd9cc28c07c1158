"""Prices per model, to show what a run costs and to stop it at a budget.

USD per 1M tokens (input, output), as published by the providers for standard (non-batch)
requests; they change, so the config file's `[prices]` table overrides any entry. A model with
no known price shows tokens only, and `--max-cost` refuses to run on it (use --max-tokens-total
or --max-requests instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from selfinstruct.errors import ConfigError


@dataclass(frozen=True)
class Price:
    input_per_m: float
    output_per_m: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_m + completion_tokens * self.output_per_m) / 1e6

    def scaled(self, factor: float) -> Price:
        return Price(self.input_per_m * factor, self.output_per_m * factor)


#: OpenAI's Batch API bills half the standard price
BATCH_DISCOUNT = 0.5


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "o4-mini": Price(1.10, 4.40),
    "o3-mini": Price(1.10, 4.40),
}


def parse_prices(table: Mapping[str, Any], source: str) -> dict[str, Price]:
    """`{"model": {"input": 0.15, "output": 0.6}}` from a config file's [prices] table."""
    prices = {}
    for model, entry in table.items():
        try:
            prices[model] = Price(float(entry["input"]), float(entry["output"]))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(
                f'{source}: [prices."{model}"] needs numbers "input" and "output" '
                "(USD per 1M tokens)"
            ) from None
    return prices


def run_price(model: str, table: Mapping[str, Any], batch_api: bool = False) -> Price | None:
    """The price a run pays: the config's [prices] over the defaults, halved for batches.
    A [prices] entry is the standard price; the Batch API discount is applied to it."""
    price = find_price(model, parse_prices(table, "config [prices]"))
    return price.scaled(BATCH_DISCOUNT) if price is not None and batch_api else price


def find_price(model: str, overrides: Mapping[str, Price] | None = None) -> Price | None:
    """The price of `model`; dated snapshots (gpt-4o-mini-2024-07-18) use their family's."""
    table = {**DEFAULT_PRICES, **(overrides or {})}
    if model in table:
        return table[model]
    candidates = [name for name in table if model.startswith(name + "-")]
    return table[max(candidates, key=len)] if candidates else None
