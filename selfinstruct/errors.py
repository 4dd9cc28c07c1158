"""The exception tree. Every error a user can cause or meet is one of these, so the CLI
can turn it into a one-line message and an exit code without a traceback.

    SelfInstructError                 base; the CLI prints str(e) and exits 1
    ├── ConfigError                   a flag, config file or environment value is wrong
    ├── SeedFileError(path, line)     a seed or dataset file is malformed (names file:line)
    ├── RunDirError                   the run directory is unusable (locked, not writable, full)
    ├── OutputError                   an export, dedup or seed file cannot be written (full disk)
    └── TeacherError                  the teacher could not be used
        ├── TeacherHTTPError(status)  the API answered with an HTTP error after all retries
        │   └── TeacherAuthError      401/403: bad key; never retried
        ├── TeacherTimeout            no answer in time after all retries
        ├── TeacherConnectionError    could not reach the base URL
        │   └── TeacherUnreachable    refused or unknown host: nothing listens; never retried
        ├── BudgetExceeded            a cost, token or request cap was reached (a clean stop)
        ├── BatchPending              stopped while Batch API jobs run (a rerun collects them)
        ├── RequestAbandoned          a stopping run gave up waiting for an answer (redone)
        └── BatchFailed               the provider rejected a whole batch (nothing ran)
"""

from __future__ import annotations

from pathlib import Path


class SelfInstructError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class ConfigError(SelfInstructError):
    """A flag, config file or environment value is invalid."""


class SeedFileError(SelfInstructError):
    """A seed or dataset file is malformed; the message names the file and line."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class RunDirError(SelfInstructError):
    """The run directory cannot be used (locked by another process, not writable, disk full)."""


class OutputError(SelfInstructError):
    """An output of export, dedup or seeds export cannot be written; nothing half-written is
    left under its final name."""


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """The one-line message of a failed output write."""
    import errno

    hint = " (disk full)" if exc.errno == errno.ENOSPC else ""
    return OutputError(f"{path}: cannot write{hint}: {exc.strerror or exc}; nothing was replaced")


class TeacherError(SelfInstructError):
    """The teacher model could not be used."""


class TeacherHTTPError(TeacherError):
    """The API answered with an HTTP error status after all retries."""

    def __init__(self, status: int, message: str, body: str = "") -> None:
        self.status = status
        self.body = body
        super().__init__(message)


class TeacherAuthError(TeacherHTTPError):
    """401/403: the key is missing, wrong or not allowed; retrying cannot help."""


class TeacherTimeout(TeacherError):
    """The teacher did not answer in time, after all retries."""


class TeacherConnectionError(TeacherError):
    """The base URL could not be reached, after all retries."""


class TeacherUnreachable(TeacherConnectionError):
    """Nothing listens at the base URL (connection refused, unknown host): every other request
    would fail the same way, so the run stops at once instead of retrying."""


class RequestAbandoned(TeacherError):
    """The run is stopping (a signal) and this request's answer did not come within the grace
    period: the unit is redone on resume, from the cache when the answer was stored."""


class BudgetExceeded(TeacherError):
    """A cost, token or request cap was reached; the run stops cleanly and can be resumed."""


class BatchPending(TeacherError):
    """The answer is in a batch still running at the provider, and the run is stopping: the
    unit is redone on resume, from the batch."""


class BatchFailed(TeacherError):
    """The provider failed a whole batch (e.g. a validation error): no line of it ran."""


def is_deferred(exc: BaseException) -> bool:
    """No answer in this session, through no fault of the request: the unit and those after
    it are redone on resume (from the cache or the batch), not counted as failures."""
    return isinstance(exc, (BudgetExceeded, BatchPending, RequestAbandoned))


def is_fatal(exc: BaseException) -> bool:
    """Errors no other request can avoid (a refused key, an unknown model, a request cap):
    the run stops at once instead of counting them as one failed request."""
    fatal = (TeacherAuthError, TeacherUnreachable, BatchFailed)
    if isinstance(exc, fatal) or is_deferred(exc):
        return True
    return isinstance(exc, TeacherHTTPError) and exc.status == 404
