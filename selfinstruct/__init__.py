"""selfinstruct: grow a few human-written seed tasks into a clean instruction-tuning dataset.

The public API, listed once (`__all__`); the CLI is a thin layer over these names. Names load
on first use (PEP 562), so `selfinstruct --help` does not pay for the HTTP client and the
compiled ROUGE-L kernels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AcceptedRecord": "selfinstruct.schemas",
    "BudgetExceeded": "selfinstruct.errors",
    "ConfigError": "selfinstruct.errors",
    "GenerateConfig": "selfinstruct.config",
    "Instance": "selfinstruct.schemas",
    "Record": "selfinstruct.schemas",
    "Rejection": "selfinstruct.schemas",
    "RunDirError": "selfinstruct.errors",
    "RunSummary": "selfinstruct.runner",
    "SeedFileError": "selfinstruct.errors",
    "SeedTask": "selfinstruct.schemas",
    "SelfInstructError": "selfinstruct.errors",
    "TeacherAuthError": "selfinstruct.errors",
    "TeacherConnectionError": "selfinstruct.errors",
    "TeacherError": "selfinstruct.errors",
    "TeacherHTTPError": "selfinstruct.errors",
    "TeacherTimeout": "selfinstruct.errors",
    "build_config": "selfinstruct.config",
    "check_file": "selfinstruct.validate",
    "generate": "selfinstruct.runner",
    "load_seeds": "selfinstruct.seeds",
    "show": "selfinstruct.show",
}

__all__ = [
    "AcceptedRecord",
    "BudgetExceeded",
    "ConfigError",
    "GenerateConfig",
    "Instance",
    "Record",
    "Rejection",
    "RunDirError",
    "RunSummary",
    "SeedFileError",
    "SeedTask",
    "SelfInstructError",
    "TeacherAuthError",
    "TeacherConnectionError",
    "TeacherError",
    "TeacherHTTPError",
    "TeacherTimeout",
    "__version__",
    "build_config",
    "check_file",
    "generate",
    "load_seeds",
    "show",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'selfinstruct' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from selfinstruct.config import GenerateConfig, build_config
    from selfinstruct.errors import (
        BudgetExceeded,
        ConfigError,
        RunDirError,
        SeedFileError,
        SelfInstructError,
        TeacherAuthError,
        TeacherConnectionError,
        TeacherError,
        TeacherHTTPError,
        TeacherTimeout,
    )
    from selfinstruct.runner import RunSummary, generate
    from selfinstruct.schemas import AcceptedRecord, Instance, Record, Rejection, SeedTask
    from selfinstruct.seeds import load_seeds
    from selfinstruct.show import show
    from selfinstruct.validate import check_file
