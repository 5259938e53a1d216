"""A warm Python that forks a fresh `samantha ...` process on request.

Starting Python and importing samantha and the openai client costs 0.5-1.9 s of CPU per
process; the fault suite starts well over a hundred processes (every fault kind, 50 kill points,
writers racing each other), which would dominate CI. The zygote pays the imports once and then
``fork()``s: each child is a separate OS process that runs ``samantha.cli.main.main`` with its own
argv, environment, working folder and stdout/stderr files, exits through the normal interpreter
shutdown (so warnings printed at exit are seen), and can be SIGKILLed like any other. Only the
import itself is not exercised per child; tests/test_cli.py starts real interpreters for that.

Protocol, one JSON object per line: the test writes ``{"id", "argv", "env", "cwd", "stdin",
"stdout", "stderr", "umask"}`` to the zygote's stdin; the zygote answers ``{"id", "pid"}`` once the child runs and
``{"id", "status"}`` (a wait status) when it ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


# -- the zygote process ----------------------------------------------------------------------


def serve() -> None:
    """Import once, then fork a child per request until stdin closes."""
    _warm_up()
    ctl = os.fdopen(os.dup(1), "w", buffering=1)
    children: dict[int, int] = {}
    pending = b""
    open_input = True
    with selectors.DefaultSelector() as sel:
        sel.register(0, selectors.EVENT_READ)
        while open_input or children:
            if open_input and sel.select(timeout=0.01):
                data = os.read(0, 65536)
                open_input = bool(data)
                if not open_input:
                    sel.unregister(0)
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    request = json.loads(line)
                    pid = os.fork()
                    if pid == 0:
                        ctl.close()
                        _become(request)  # never returns
                    children[pid] = request["id"]
                    ctl.write(json.dumps({"id": request["id"], "pid": pid}) + "\n")
            elif not open_input:
                time.sleep(0.01)
            while children:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                ctl.write(json.dumps({"id": children.pop(pid), "status": status}) + "\n")


def _warm_up() -> None:
    """One throwaway `say` against a closed port pulls in what samantha imports lazily (the
    HTTP client, the tokenizer); it leaves no connection, thread or event loop behind to fork."""
    import tempfile

    from samantha.cli.main import main

    with tempfile.TemporaryDirectory() as home:
        saved = dict(os.environ)
        os.environ.update(SAMANTHA_HOME=home, SAMANTHA_MAX_RETRIES="0")
        sys.argv = ["samantha", "--backend", "custom", "--base-url", "http://127.0.0.1:9/v1"]
        sys.argv += ["say", "warming up"]
        null = os.open(os.devnull, os.O_WRONLY)
        saved_err = os.dup(2)
        os.dup2(null, 2)
        try:
            main()
        except SystemExit:
            pass
        finally:
            os.dup2(saved_err, 2)
            os.close(saved_err)
            os.close(null)
            os.environ.clear()
            os.environ.update(saved)


def _become(request: dict[str, Any]) -> None:
    """Turn this forked child into `samantha <argv>`: files, environment, then main()."""
    os.chdir(request["cwd"])
    if request.get("umask") is not None:
        os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    stdin = os.open(request.get("stdin") or os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        target = os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    sys.argv = ["samantha", *request["argv"]]
    from samantha.cli.main import main

    main()  # ends in SystemExit, which unwinds to a normal interpreter exit
    raise SystemExit(0)


# -- the test's side -------------------------------------------------------------------------


@dataclass
class Child:
    id: int
    stdout: Path
    stderr: Path
    pid: int | None = None
    status: int | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def returncode(self) -> int | None:
        return None if self.status is None else os.waitstatus_to_exitcode(self.status)

    def output(self) -> tuple[str, str]:
        return (
            self.stdout.read_text(encoding="utf-8", errors="replace"),
            self.stderr.read_text(encoding="utf-8", errors="replace"),
        )


class Zygote:
    """Start one with the environment the children's interpreter needs (PYTHONPATH and the
    like); each child then gets its own ``env``."""

    def __init__(self, env: dict[str, str], scratch: Path) -> None:
        self.scratch = scratch
        scratch.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from tests.faults.zygote import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
            env=env,
        )
        self._children: dict[int, Child] = {}
        self._lock = threading.Lock()
        self._ids = 0
        self._spawned = threading.Condition(self._lock)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            event = json.loads(line)
            with self._lock:
                child = self._children[event["id"]]
                if "pid" in event:
                    child.pid = event["pid"]
                    self._spawned.notify_all()
                else:
                    child.status = event["status"]
                    child.done.set()

    def spawn(
        self,
        argv: list[str],
        env: dict[str, str],
        *,
        cwd: Path | None = None,
        stdin: Path | None = None,
        umask: int | None = None,
        timeout: float = 30,
    ) -> Child:
        """Start `samantha <argv>`; returns once the child process exists."""
        with self._lock:
            self._ids += 1
            number = self._ids
            child = Child(number, self.scratch / f"{number}.out", self.scratch / f"{number}.err")
            self._children[number] = child
        for path in (child.stdout, child.stderr):
            path.touch()  # readable at once, before the child has opened them
        request = {
            "id": number,
            "argv": argv,
            "env": env,
            "cwd": str(cwd or self.scratch),
            "stdin": str(stdin) if stdin else None,
            "umask": umask,
            "stdout": str(child.stdout),
            "stderr": str(child.stderr),
        }
        assert self._proc.stdin is not None
        self._proc.stdin.write((json.dumps(request) + "\n").encode())
        self._proc.stdin.flush()
        with self._spawned:
            if not self._spawned.wait_for(lambda: child.pid is not None, timeout):
                raise TimeoutError(f"the zygote did not start {argv}")
        return child

    def wait(self, child: Child, timeout: float = 60) -> int:
        if not child.done.wait(timeout):
            raise TimeoutError(f"samantha child {child.pid} did not finish")
        code = child.returncode
        assert code is not None
        return code

    def run(
        self, argv: list[str], env: dict[str, str], *, umask: int | None = None, timeout: float = 60
    ) -> Child:
        child = self.spawn(argv, env, umask=umask)
        self.wait(child, timeout)
        return child

    def close(self) -> None:
        assert self._proc.stdin is not None
        with self._lock:
            alive = [c.pid for c in self._children.values() if c.pid and not c.done.is_set()]
        for pid in alive:
            # Only our own children, by pid: a test that failed half-way may leave some running.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        self._proc.stdin.close()
        self._proc.wait(timeout=30)
        self._reader.join(timeout=5)
