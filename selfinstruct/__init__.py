"""selfinstruct: grow a few human-written seed tasks into a clean instruction-tuning dataset.

The public API, listed once (`__all__`); the CLI is a thin layer over these names.
"""

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
from selfinstruct.validate import check_file

__version__ = "0.1.0"

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
]
