"""Teacher profiles: how to talk to a teacher, chosen by configuration, never by model name.

A capable API model follows a page of requirements and writes 20 tasks in one chat answer; a
135M model on a laptop CPU misreads such a prompt but continues a short list of examples well,
especially when a grammar holds it to the answer format. A profile records those choices:
endpoint, prompt template, batch size, sampling, stop sequences, structured output.

Built-in profiles are loaded by name (`get_profile("small-local")`); a TOML table overrides any
field, and may name the profile it starts from:

    [teacher.profile]
    base = "small-local"
    tasks_per_request = 5
    temperature = 0.9
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from selfinstruct.errors import ConfigError
from selfinstruct.methods.prompts import render_task_block
from selfinstruct.schemas import SeedTask

#: The JSON shape of a structured answer, as read by `parse.parse_json_tasks`.
TASKS_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "instruction": {"type": "string"},
                    "input": {"type": "string"},
                    "output": {"type": "string"},
                },
                "required": ["instruction", "input", "output"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["tasks"],
    "additionalProperties": False,
}

Structured = Literal["none", "json_schema", "json_object_schema", "grammar", "guided_json"]


class TeacherProfile(BaseModel):
    """How to prompt one kind of teacher and read its answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    description: str = ""
    #: `chat`: /v1/chat/completions with messages; `completions`: /v1/completions with one text.
    endpoint: Literal["chat", "completions"] = "chat"
    #: The prompt template: `alpaca_chat` (prompts.render_alpaca_prompt: requirements + demos,
    #: asks for n tasks) or `completion_list` (prompts_completion.render_completion_prompt:
    #: a short list of demos, open at the next task).
    prompt_style: Literal["alpaca_chat", "completion_list"] = "alpaca_chat"
    tasks_per_request: int = Field(20, ge=1, le=100)
    demonstrations: int = Field(3, ge=0, le=20)
    #: Sample demonstrations only from seeds whose first instance, rendered as a task block,
    #: has at most this many characters (None: all seeds). Short demonstrations cut a small
    #: model's prompt time and match its one-line answers. Falls back to all seeds when fewer
    #: than `demonstrations` qualify: see `demonstration_pool`.
    demonstration_max_chars: int | None = Field(None, ge=50)
    max_tokens: int = Field(3072, ge=16)
    #: Tokens the teacher reads and writes in one request: `--documents` sizes its chunks so
    #: a chunk, the demonstrations and `max_tokens` of answer fit (8192 is any current API's).
    context_tokens: int = Field(8192, ge=512)
    temperature: float = Field(1.0, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    #: Stop sequences besides those the template adds (the completion template adds its own).
    stop: list[str] = Field(default_factory=list, max_length=4)
    #: Sent as the request's `extra_body` (server-specific parameters, e.g. `repeat_penalty`).
    extra_body: dict[str, Any] = Field(default_factory=dict)
    #: How the answer's shape is enforced:
    #: `none`: plain text in the numbered block format, read by `parse.parse_tasks`;
    #: `json_schema`: OpenAI `response_format={"type": "json_schema", ...}` (llama-cpp-python
    #:   rejects this form with HTTP 500);
    #: `json_object_schema`: llama.cpp `response_format={"type": "json_object", "schema": ...}`;
    #: `guided_json`: vLLM `extra_body={"guided_json": schema}`;
    #: the three JSON forms are read by `parse.parse_json_tasks`;
    #: `grammar`: llama.cpp GBNF `extra_body={"grammar": ...}` holding the plain-text block format
    #:   (`prompts_completion.render_block_grammar`), read by `parse.parse_tasks`.
    structured: Structured = "none"
    #: Send a per-request `seed` (derived from the run's seed and the request index). llama.cpp
    #: then answers byte-identically across restarts; OpenAI treats it as best effort.
    send_seed: bool = True
    #: Requests in flight at once (None: the run's --concurrency). The local server runs one
    #: request at a time; more only queue there and eat into the timeout.
    concurrency: int | None = Field(None, ge=1)
    #: Seconds before one request counts as timed out (None: the client's default).
    request_timeout: float | None = Field(None, gt=0)
    #: How the provider's TPM limit counts a request: `reserved` (OpenAI: prompt + max_tokens
    #: on admission, no refund) or `used` (the tokens in `usage`; unused max_tokens come back).
    tpm_counts: Literal["reserved", "used"] = "reserved"

    @model_validator(mode="after")
    def _consistent(self) -> TeacherProfile:
        if self.prompt_style == "completion_list" and self.endpoint != "completions":
            raise ValueError('prompt_style "completion_list" needs endpoint "completions"')
        if self.prompt_style == "alpaca_chat" and self.endpoint != "chat":
            raise ValueError('prompt_style "alpaca_chat" needs endpoint "chat"')
        if self.endpoint == "completions" and self.structured not in ("none", "grammar"):
            raise ValueError(f'structured "{self.structured}" needs endpoint "chat"')
        if self.prompt_style == "completion_list" and self.demonstrations < 1:
            raise ValueError('prompt_style "completion_list" needs at least one demonstration')
        return self

    @property
    def json_answers(self) -> bool:
        """True when answers are JSON (`parse_json_tasks`), False for the block format."""
        return self.structured in ("json_schema", "json_object_schema", "guided_json")

    def structured_kwargs(self, grammar: str | None = None) -> dict[str, Any]:
        """Request arguments enforcing the answer's shape, with the profile's `extra_body`.

        `grammar` is the GBNF text for `structured == "grammar"`; render it per request with
        `prompts_completion.render_block_grammar(tasks_per_request, opened=...)`.
        """
        schema = TASKS_JSON_SCHEMA
        kwargs: dict[str, Any] = {}
        extra = dict(self.extra_body)
        if self.structured == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "tasks", "schema": schema, "strict": True},
            }
        elif self.structured == "json_object_schema":
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        elif self.structured == "guided_json":
            extra["guided_json"] = schema
        elif self.structured == "grammar":
            if not grammar:
                raise ConfigError('structured "grammar" needs a grammar for the request')
            extra["grammar"] = grammar
        if extra:
            kwargs["extra_body"] = extra
        return kwargs

    def demonstration_pool(self, seeds: Sequence[SeedTask]) -> list[SeedTask]:
        """The seeds to sample demonstrations from under this profile.

        The short ones, topped up with the shortest seeds without input until those are as
        common as among all seeds: tasks without input tend to have long outputs (essays,
        poems), and a pool without them teaches a small model that every task has an input
        (our seeds: 35% without; the short pool alone: 12%)."""
        if self.demonstration_max_chars is None:
            return list(seeds)
        short = [t for t in seeds if demonstration_chars(t) <= self.demonstration_max_chars]
        if len(short) < max(self.demonstrations, 1):
            return list(seeds)
        share = sum(_no_input(t) for t in seeds) / len(seeds)
        longer = sorted(
            (t for t in seeds if _no_input(t) and t not in short), key=demonstration_chars
        )
        pool = list(short)
        for task in longer:
            if sum(_no_input(t) for t in pool) >= share * len(pool):
                break
            pool.append(task)
        return pool

    def with_overrides(self, overrides: Mapping[str, Any]) -> TeacherProfile:
        """A copy with some fields replaced, validated again (typos are errors)."""
        data = self.model_dump()
        data.update(overrides)
        return _validate(data, where=f'profile "{self.name}"')


OPENAI = TeacherProfile(
    name="openai",
    description="Capable chat models behind any OpenAI-compatible API: 20 tasks per request.",
    endpoint="chat",
    prompt_style="alpaca_chat",
    tasks_per_request=20,
    demonstrations=3,
    max_tokens=3072,
    temperature=1.0,
    top_p=1.0,
)

SMALL_LOCAL = TeacherProfile(
    name="small-local",
    description=(
        "Tiny local models (SmolLM2-135M-Instruct on llama.cpp): a short completion-style list "
        "of 3 short demonstrations open at the next task, a GBNF grammar holding the answer to "
        "the block format, up to 5 tasks per request, one request at a time."
    ),
    endpoint="completions",
    prompt_style="completion_list",
    tasks_per_request=5,
    demonstrations=3,
    demonstration_max_chars=400,
    max_tokens=1024,
    context_tokens=4096,  # the local server's n_ctx (teachers/local.py)
    temperature=1.0,
    top_p=0.95,
    structured="grammar",
    concurrency=1,
    request_timeout=300.0,
)


def _no_input(task: SeedTask) -> bool:
    return not task.instances[0].input


def demonstration_chars(task: SeedTask) -> int:
    """Length of a seed's first instance rendered as a demonstration block."""
    instance = task.instances[0]
    return len(render_task_block(1, task.instruction, instance.input, instance.output))


BUILTIN_PROFILES: dict[str, TeacherProfile] = {p.name: p for p in (OPENAI, SMALL_LOCAL)}
DEFAULT_PROFILE = "openai"
LOCAL_PROFILE = "small-local"


def get_profile(name: str = DEFAULT_PROFILE) -> TeacherProfile:
    """A built-in profile by name."""
    try:
        return BUILTIN_PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN_PROFILES))
        raise ConfigError(f"unknown teacher profile {name!r} (known: {known})") from None


def profile_from_config(
    table: Mapping[str, Any] | None, default: str = DEFAULT_PROFILE
) -> TeacherProfile:
    """The profile a TOML table describes: `base` (a built-in name) plus field overrides."""
    table = dict(table or {})
    base = table.pop("base", default)
    if not isinstance(base, str):
        raise ConfigError(f"teacher profile: base must be a profile name, not {base!r}")
    profile = get_profile(base)
    if not table:
        return profile
    return profile.with_overrides(table)


def _validate(data: Mapping[str, Any], where: str) -> TeacherProfile:
    try:
        return TeacherProfile.model_validate(dict(data))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"{where}: {problems}") from None
