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
    "CleanStats": "selfinstruct.dataset.clean",
    "clean_file": "selfinstruct.dataset.clean",
    "DedupStats": "selfinstruct.dataset.dedup",
    "Match": "selfinstruct.quality.rouge",
    "RougeIndex": "selfinstruct.quality.rouge",
    "dedup_file": "selfinstruct.dataset.dedup",
    "ExportResult": "selfinstruct.dataset.export",
    "ReportResult": "selfinstruct.dataset.report",
    "export_dataset": "selfinstruct.dataset.export:export",
    "load_source": "selfinstruct.dataset.sources",
    "split_records": "selfinstruct.dataset.split",
    "write_report": "selfinstruct.dataset.report:report",
    "AcceptedRecord": "selfinstruct.schemas",
    "BudgetExceeded": "selfinstruct.errors",
    "ConfigError": "selfinstruct.errors",
    "GenerateConfig": "selfinstruct.config",
    "Instance": "selfinstruct.schemas",
    "Record": "selfinstruct.schemas",
    "Rejection": "selfinstruct.schemas",
    "RunDirError": "selfinstruct.errors",
    "RunSummary": "selfinstruct.run.summary",
    "SeedFileError": "selfinstruct.errors",
    "SeedTask": "selfinstruct.schemas",
    "SelfInstructError": "selfinstruct.errors",
    "TeacherAuthError": "selfinstruct.errors",
    "TeacherConnectionError": "selfinstruct.errors",
    "TeacherError": "selfinstruct.errors",
    "TeacherHTTPError": "selfinstruct.errors",
    "TeacherTimeout": "selfinstruct.errors",
    "build_config": "selfinstruct.config",
    "check_file": "selfinstruct.dataset.validate",
    "agenerate": "selfinstruct.run.generate",
    "generate": "selfinstruct.run.generate",
    "load_seeds": "selfinstruct.seeds.load",
    "show_sample": "selfinstruct.dataset.show:show",
}

__all__ = [
    "AcceptedRecord",
    "BudgetExceeded",
    "CleanStats",
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
    "agenerate",
    "build_config",
    "check_file",
    "clean_file",
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
    from selfinstruct.dataset.clean import CleanStats, clean_file
    from selfinstruct.dataset.dedup import DedupStats, dedup_file
    from selfinstruct.dataset.export import ExportResult
    from selfinstruct.dataset.export import export as export_dataset
    from selfinstruct.dataset.report import ReportResult
    from selfinstruct.dataset.report import report as write_report
    from selfinstruct.dataset.show import show as show_sample
    from selfinstruct.dataset.sources import load_source
    from selfinstruct.dataset.split import split_records
    from selfinstruct.dataset.validate import check_file
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
    from selfinstruct.quality.rouge import Match, RougeIndex
    from selfinstruct.run.generate import agenerate, generate
    from selfinstruct.run.summary import RunSummary
    from selfinstruct.schemas import AcceptedRecord, Instance, Record, Rejection, SeedTask
    from selfinstruct.seeds.load import load_seeds
