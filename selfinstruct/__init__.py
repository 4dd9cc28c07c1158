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
    "DedupStats": "selfinstruct.dedup",
    "Match": "selfinstruct.rouge",
    "RougeIndex": "selfinstruct.rouge",
    "dedup_file": "selfinstruct.dedup",
    "ExportResult": "selfinstruct.export",
    "ReportResult": "selfinstruct.report",
    "export_dataset": "selfinstruct.export:export",
    "load_source": "selfinstruct.sources",
    "split_records": "selfinstruct.split",
    "write_report": "selfinstruct.report:report",
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
    "show_sample": "selfinstruct.show:show",
}

__all__ = [
    "AcceptedRecord",
    "BudgetExceeded",
    "ConfigError",
    "DedupStats",
    "ExportResult",
    "GenerateConfig",
    "Instance",
    "Match",
    "Record",
    "Rejection",
    "ReportResult",
    "RougeIndex",
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
    "dedup_file",
    "export_dataset",
    "generate",
    "load_seeds",
    "load_source",
    "show_sample",
    "split_records",
    "write_report",
]


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'selfinstruct' has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from selfinstruct.config import GenerateConfig, build_config
    from selfinstruct.dedup import DedupStats, dedup_file
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
    from selfinstruct.export import ExportResult
    from selfinstruct.export import export as export_dataset
    from selfinstruct.report import ReportResult
    from selfinstruct.report import report as write_report
    from selfinstruct.rouge import Match, RougeIndex
    from selfinstruct.runner import RunSummary, generate
    from selfinstruct.schemas import AcceptedRecord, Instance, Record, Rejection, SeedTask
    from selfinstruct.seeds import load_seeds
    from selfinstruct.show import show as show_sample
    from selfinstruct.sources import load_source
    from selfinstruct.split import split_records
    from selfinstruct.validate import check_file
