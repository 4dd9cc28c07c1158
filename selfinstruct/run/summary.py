"""How a run ended: `RunSummary` (what `generate()` returns), its closing lines, and the
run.json manifest written from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from selfinstruct.config import GenerateConfig
from selfinstruct.quality.filters import by_family
from selfinstruct.run.counts import RunCounts
from selfinstruct.run.guards import StopReason
from selfinstruct.run.loop import now_iso


@dataclass
class RunSummary:
    """How a run ended, for the CLI's closing lines and for scripts."""

    out: Path
    status: str
    #: what the committed units add up to, every session
    counts: RunCounts
    target: int
    #: this session's requests on the wire (retries included) and answers from the cache
    requests_sent: int
    cache_hits: int
    wall_time_s: float
    model: str
    base_url: str | None
    profile: str = ""
    cost_usd: float | None = None
    possibly_billed: int = 0
    possibly_billed_tokens: int = 0
    #: tokens of every answer received this session, committed or not (units still in flight
    #: at the target are paid, kept in the cache and replayed free by a larger run)
    paid_prompt_tokens: int = 0
    paid_completion_tokens: int = 0
    paid_cost_usd: float | None = None
    stop: StopReason | None = None
    errors: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    # the counters by their names (views of `counts`, not copies)
    @property
    def accepted(self) -> int:
        return self.counts.accepted

    @property
    def requests(self) -> int:
        """Teacher requests of the committed units (the judge's not included)."""
        return self.counts.requests

    @property
    def candidates(self) -> int:
        return self.counts.candidates

    @property
    def rejected(self) -> dict[str, int]:
        return dict(self.counts.rejected.most_common())

    @property
    def prompt_tokens(self) -> int:
        return self.counts.prompt_tokens

    @property
    def completion_tokens(self) -> int:
        return self.counts.completion_tokens

    @property
    def judge(self) -> dict[str, int]:
        """--judge: requests, prompt_tokens, completion_tokens, judged, unjudged."""
        return dict(self.counts.judge)

    @property
    def exit_code(self) -> int:
        """0 when the target was reached, else the stop's code (3, or 130/143 for signals)."""
        if self.status == "complete":
            return 0
        return self.stop.exit_code if self.stop else 1

    def lines(self) -> list[str]:
        """The closing lines the CLI prints (a notebook can print them too)."""
        counts = self.counts
        out = [
            f"{self.status}: {counts.accepted}/{self.target} records in {self.out}/data.jsonl"
            f" | {counts.requests} requests committed | this session: {self.requests_sent} sent"
            f" (retries included), {self.cache_hits} from cache | tokens {counts.prompt_tokens}"
            f" in / {counts.completion_tokens} out | {self.wall_time_s:.1f}s"
        ]
        if self.cost_usd is not None:
            paid = self.paid_cost_usd
            this_session = f"; ${paid:.4f} for the answers received this session" if paid else ""
            out.append(
                f"estimated cost: ${self.cost_usd:.4f} for the committed requests{this_session}"
            )
        rejected = sum(counts.rejected.values())
        if rejected:
            folded = by_family(counts.rejected).most_common()
            reasons = ", ".join(f"{reason} {n}" for reason, n in folded)
            out.append(
                f"rejected {rejected} ({counts.candidates} candidates parsed, "
                f"{counts.accepted} kept; failed requests count too): {reasons}"
            )
        if counts.judge:
            judge = counts.judge
            out.append(
                f"judge: {judge['judged']} judged, {judge['unjudged']} unjudged "
                f"(malformed verdicts or failed judge requests; kept, without scores) | "
                f"{judge['requests']} judge requests committed"
            )
        if self.stop is not None:
            out.append(self.stop.message)
        return out


def package_versions() -> dict[str, str]:
    versions = {}
    for name in ("selfinstruct", "openai", "pydantic", "rapidfuzz", "rouge-score", "datasets"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def run_manifest(
    config: GenerateConfig,
    summary: RunSummary,
    seed_files: list[dict[str, Any]],
    created_at: str,
) -> dict[str, Any]:
    settings = config.model_dump(mode="json")
    settings["base_url"] = summary.base_url
    settings["model"] = summary.model
    settings["profile"] = summary.profile
    return {
        "package_version": package_versions().get("selfinstruct", "unknown"),
        "created_at": created_at,
        "updated_at": now_iso(),
        "status": summary.status,
        "config": settings,
        "teacher": {"model": summary.model, "base_url": summary.base_url},
        "seed_files": seed_files,
        "packages": package_versions(),
        "counts": {
            **summary.counts.manifest_counts(),
            "requests_sent_this_session": summary.requests_sent,
            "cache_hits_this_session": summary.cache_hits,
        },
        "usage": {
            "prompt_tokens": summary.prompt_tokens,
            "completion_tokens": summary.completion_tokens,
            "cost_usd": None if summary.cost_usd is None else round(summary.cost_usd, 6),
            "received_this_session": {
                "prompt_tokens": summary.paid_prompt_tokens,
                "completion_tokens": summary.paid_completion_tokens,
                "cost_usd": None
                if summary.paid_cost_usd is None
                else round(summary.paid_cost_usd, 6),
            },
            "possibly_billed_failures_this_session": summary.possibly_billed,
            "possibly_billed_tokens_at_most": summary.possibly_billed_tokens,
        },
        "errors": summary.errors,
        "stop": None
        if summary.stop is None
        else {"kind": summary.stop.kind, "message": summary.stop.message},
        "wall_time_s": round(summary.wall_time_s, 2),
    }
