"""The local teacher's server process: llama.cpp's own C++ server, through `xllamacpp`.

`LocalTeacher` runs this module as `python -m selfinstruct.teachers.local_child CONFIG_JSON` in
a child process of its own, so a crash of llama.cpp cannot take the run with it and the server
can always be killed. The child:

1. asks Linux for SIGTERM when its parent dies, and watches the parent on any POSIX system
   (a SIGKILLed parent runs no cleanup, so the child must notice by itself);
2. sends everything llama.cpp prints to stderr, which the parent points at the log file, and
   keeps stdout for one JSON line to the parent: `{"listening": URL}` or `{"error": TEXT}`;
3. starts the server (it returns once the model is loaded and HTTP listens), then takes back
   SIGINT/SIGTERM/SIGHUP from llama.cpp (which installs its own SIGINT handler that only sets
   a flag) and waits for one of them, or for its parent to go.

Nothing here imports the rest of selfinstruct: the child starts in about 0.1 s plus the model.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any, TextIO


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent and os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def _params(config: dict[str, Any]) -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = config["model"]
    params.model_alias = {config["alias"]}  # the `model` /v1/models reports and requests name
    params.hostnames = [config["host"]]
    params.port = int(config["port"])  # 0: the server picks a free port
    params.n_parallel = int(config["slots"])  # continuous batching over this many sequences
    params.n_ctx = int(config["n_ctx"]) * int(config["slots"])  # the KV cells the slots share
    params.cpuparams.n_threads = int(config["threads"])
    params.cpuparams_batch.n_threads = int(config["threads"])
    params.sampling.seed = int(config["seed"])  # for requests that send no seed of their own
    params.offline = True  # never reach a model hub
    params.verbosity = int(config.get("verbosity", 3))
    return params


def _report(channel: TextIO, **message: Any) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    parent = int(config["parent"])
    _die_with_parent(parent)
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # llama.cpp's own stdout goes to the log, never into the parent's pipe
    try:
        import xllamacpp

        server = xllamacpp.Server(_params(config))
    except Exception as error:  # llama.cpp reports a bad model or a taken port as RuntimeError
        print(f"local teacher: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        _report(channel, error=str(error))
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    _report(channel, listening=server.listening_address)
    channel.close()
    while not stop.wait(0.5):
        if parent and os.getppid() != parent:
            break
    del server  # stops llama.cpp's HTTP and inference threads and joins them
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    os._exit(main(sys.argv))
