"""Run configuration: one validated object built from flags, a TOML file and the environment.

Precedence: flag > config file > environment (the variables the `openai` SDK already reads)
> default. The API key lives only here and in the client: it is excluded from every dump, so
it cannot reach `run.json`, a log line or the cache.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from selfinstruct.datafile import read_text
from selfinstruct.errors import ConfigError, SeedFileError

DEFAULT_SEEDS = "seed_tasks/seed_tasks.jsonl"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
#: A config file is a few lines; a bigger one is not a config file.
MAX_CONFIG_BYTES = 1_000_000


class GenerateConfig(BaseModel):
    """Everything a `generate` run needs. Dumps without the key."""

    #: inf/nan are refused in every float (`--timeout inf` would overflow a timer mid-run)
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    out: Path = Path("outputs/run")
    seeds: list[Path] = Field(default_factory=lambda: [Path(DEFAULT_SEEDS)])
    method: Literal["alpaca", "self-instruct"] = "alpaca"
    num_instructions: int = Field(default=100, ge=1)
    seed: int = 42
    # teacher
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    teacher: Literal["auto", "api", "local"] = "auto"
    #: how to talk to the teacher (profiles.py); None: small-local for the local teacher,
    #: openai otherwise. Flags given explicitly win over the profile's values.
    profile: str | None = None
    profile_overrides: dict[str, Any] = Field(default_factory=dict)
    temperature: float = Field(default=1.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=3072, ge=16)
    timeout_s: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)
    retry_backoff_s: float = Field(default=1.0, gt=0)
    concurrency: int = Field(default=8, ge=1, le=1024)
    rpm: float | None = Field(default=None, gt=0)
    tpm: float | None = Field(default=None, gt=0)
    #: send requests as OpenAI Batch API jobs (half price, answers within 24 h)
    batch_api: bool = False
    #: requests per batch, at most OpenAI's 50,000; also how many are asked at once
    batch_size: int = Field(default=5000, ge=1, le=50_000)
    batch_poll_s: float = Field(default=30.0, gt=0)
    #: a batch is submitted once no request has joined it for this long
    batch_gather_s: float = Field(default=1.0, gt=0)
    # prompting
    num_demonstrations: int = Field(default=3, ge=0, le=20)
    tasks_per_request: int = Field(default=20, ge=1, le=100)
    #: generated instructions shown per prompt; None = the method's own (alpaca 0, self-instruct 2)
    machine_demos: int | None = Field(default=None, ge=0, le=8)
    #: self-instruct: instances asked per task
    max_instances: int = Field(default=5, ge=1, le=20)
    topic: str | None = None
    #: documents (files or folders) each unit's tasks are grounded in, one chunk a unit
    documents: list[Path] = Field(default_factory=list)
    #: `--documents`: tasks asked of one chunk, and the most records it gives
    records_per_chunk: int = Field(default=5, ge=1, le=50)
    #: `--documents`: the most records one document gives (None: no cap)
    records_per_document: int | None = Field(default=None, ge=1)
    #: `--documents`: chunk size in tokens (None: sized for the teacher profile's context)
    chunk_tokens: int | None = Field(default=None, ge=64)
    # quality
    rouge_threshold: float = Field(default=0.7, gt=0.0, le=1.0)
    tokenizer: Literal["default", "unicode"] = "default"
    use_cache: bool = True
    #: resume a run with another teacher or other seeds (run.json keeps the history)
    allow_mixed: bool = False
    # the LLM judge (quality/judge.py): grades each record that passed the filters
    judge: bool = False
    #: another model or server for the judge (None: the generation teacher's)
    judge_model: str | None = None
    judge_base_url: str | None = None
    #: records graded per judge request (the rubric is sent once a request)
    judge_batch: int = Field(default=5, ge=1, le=50)
    #: with --judge: drop a record scored below this on any question
    min_score: int | None = Field(default=None, ge=1, le=5)
    # run control and budget
    max_cost: float | None = Field(default=None, gt=0)
    max_tokens_total: int | None = Field(default=None, gt=0)
    max_requests: int | None = Field(default=None, gt=0)
    stall_requests: int = Field(default=50, ge=0)
    max_error_rate: float = Field(default=0.5, gt=0.0, le=1.0)
    #: USD per million tokens; a negative price would make every budget unreachable
    prices: dict[str, dict[str, Annotated[float, Field(ge=0)]]] = Field(default_factory=dict)

    @field_validator("base_url", "judge_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.username is not None or parts.password is not None:
            # refused, not used as the key: a URL is printed, logged and kept in shell
            # history, so a key in it is already leaking; the key has its own channels
            raise ValueError(
                "holds credentials (user:key@); remove them and pass the key with "
                "--api-key or OPENAI_API_KEY"
            )
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {value!r}")
        try:
            (parts.hostname or "").encode("idna")
        except UnicodeError:
            raise ValueError(f"not a valid host name: {parts.hostname!r}") from None
        return value.rstrip("/")

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def request_settings(self) -> dict[str, Any]:
        """The settings that change what is asked of the teacher (compared on resume)."""
        return self.model_dump(
            mode="json",
            include={
                "method",
                "seed",
                "model",
                "temperature",
                "top_p",
                "max_tokens",
                "num_demonstrations",
                "tasks_per_request",
                "topic",
                "machine_demos",
                "max_instances",
                "judge",
                "judge_model",
                "judge_batch",
                "records_per_chunk",
            },
        )


#: profile field → config field, for the values a profile supplies unless a flag was given
PROFILE_FIELDS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "max_tokens",
    "tasks_per_request": "tasks_per_request",
    "demonstrations": "num_demonstrations",
    "concurrency": "concurrency",
    "request_timeout": "timeout_s",
}


def apply_profile(config: GenerateConfig, profile: Any) -> GenerateConfig:
    """Fill the settings the user did not give from the teacher profile."""
    update = {}
    for source, target in PROFILE_FIELDS.items():
        value = getattr(profile, source)
        if value is not None and target not in config.model_fields_set:
            update[target] = value
    return config.model_copy(update=update) if update else config


def uses_local_teacher(config: GenerateConfig) -> bool:
    """The embedded local teacher runs when asked, or when no API is configured at all."""
    return config.teacher == "local" or (
        config.teacher == "auto" and not config.base_url and not config.api_key
    )


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The `[generate]` table of a TOML file (or its top level), as a dict of settings."""
    path = Path(path)
    try:
        data = tomllib.loads(read_text(path, limit=MAX_CONFIG_BYTES))
    except SeedFileError as exc:
        if exc.message == "no such file":
            raise ConfigError(f"{path}: config file not found") from None
        raise ConfigError(f"{exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    table = data.get("generate", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [generate] must be a table")
    settings = {
        key.replace("-", "_"): value
        for key, value in table.items()
        if key != "prices" and not (key == "profile" and isinstance(value, dict))
    }
    if "prices" in data:
        settings["prices"] = data["prices"]
    profile = data.get("profile")
    if isinstance(profile, dict):
        settings["profile_overrides"] = {k.replace("-", "_"): v for k, v in profile.items()}
    return settings


def from_environment() -> dict[str, Any]:
    """Settings the `openai` SDK's own variables give."""
    env: dict[str, Any] = {}
    if os.environ.get("OPENAI_API_KEY"):
        env["api_key"] = os.environ["OPENAI_API_KEY"]
    if os.environ.get("OPENAI_BASE_URL"):
        env["base_url"] = os.environ["OPENAI_BASE_URL"]
    return env


def build_config(
    flags: dict[str, Any], config_file: str | Path | None = None, *, use_env: bool = True
) -> GenerateConfig:
    """Merge the layers (flag > file > env > default) and validate the result."""
    merged: dict[str, Any] = {}
    if use_env:
        merged.update(from_environment())
    source = "the environment"
    if config_file is not None:
        merged.update(read_config_file(config_file))
        source = str(config_file)
    merged.update({key: value for key, value in flags.items() if value is not None})
    try:
        return GenerateConfig.model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"])
        origin = (
            "--" + name.replace("_", "-") if name in flags and flags[name] is not None else source
        )
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{origin}: {name}: {message}") from None
