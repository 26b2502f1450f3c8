"""Process hygiene (issue 11): nothing is left behind, however a command dies.

Each command runs for real, as its own session (`start_new_session=True`), so every process it
starts (forkserver, resource tracker, workers, Dask workers) can be found in /proc by session
id, whichever parent it has been re-parented to. A `kill -9` of the command must take all of
them down within seconds; SIGTERM must behave like Ctrl-C: one line, exit 143, no half-written
results, no process left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.cli import EXIT_TERMINATED, Terminated, main, sigterm_as_interrupt
from sim.reliability.process_hygiene import wait_for_exit

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
GONE_WITHIN_S = 10.0
"""The issue's test bound; the promise is 5 s (pidfd watchers take well under 1 s)."""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds a command's processes through /proc"
)


def session_processes(session: int) -> list[int]:
    """Live (not zombie) processes of `session`, read from /proc/<pid>/stat."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # ended while we looked
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        state, sid = fields[0], int(fields[3])
        if sid == session and state not in ("Z", "X"):
            found.append(int(entry))
    return found


def mot(*argv: str | Path) -> subprocess.Popen[str]:
    """`python -m sim ARGV` from this checkout, in a new session, stderr captured, started with
    Ctrl+C acted on as a terminal starts a command (`sigint_acted_on`)."""
    with sigint_acted_on():
        return subprocess.Popen(
            [sys.executable, "-m", "sim", *map(str, argv)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )


@contextlib.contextmanager
def sigint_acted_on() -> Iterator[None]:
    """SIGINT handled in this process while the block runs: a child inherits an ignored
    SIGINT (it survives `exec`), and pytest itself ignores it when started as a background
    job of a script (`pytest &`: without job control the shell ignores SIGINT for the job).
    That is how the sweep Ctrl+C test failed in fresh-clone runs started in the background."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def sigint_state(pid: int) -> dict[str, bool]:
    """Whether process `pid` blocks, ignores or catches SIGINT (its /proc status masks): a
    process that started with SIGINT blocked or ignored cannot be stopped by Ctrl+C."""
    masks = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("SigBlk", "SigIgn", "SigCgt"):
            masks[key] = bool(int(value, 16) >> (signal.SIGINT - 1) & 1)
    return masks


def wait_for_processes(command: subprocess.Popen[str], count: int, timeout_s: float = 60) -> None:
    """Wait until the command's session has `count` live processes (its workers are up)."""
    deadline = time.monotonic() + timeout_s
    while len(session_processes(command.pid)) < count:
        assert command.poll() is None, f"ended early: {command.stderr.read()}"
        assert time.monotonic() < deadline, f"never reached {count} processes"
        time.sleep(0.1)


def wait_until_gone(session: int, timeout_s: float = GONE_WITHIN_S) -> list[int]:
    """Poll until no process of `session` is alive; return the survivors after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while (alive := session_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


@pytest.fixture
def reap() -> Iterator[list[subprocess.Popen[str]]]:
    """Commands started by a test; whatever of their sessions survives is killed afterwards."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for command in started:
        for pid in [command.pid, *session_processes(command.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        command.wait(timeout=10)


def slow_experiment(tmp_path: Path) -> Path:
    """A sweep whose runs take seconds each (2,000 people for 3 years), so it is still running
    when the test stops it: 32 runs, which the tests ask for one per task (`--chunk 1`), so a
    Ctrl+C waits for one run in flight per worker. With 8 runs a sweep once finished before the
    test's Ctrl+C; 32 or 80 runs in automatic chunks (2 or 5 runs a task) outlasted its 15 s on
    a busy machine."""
    path = tmp_path / "slow.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            name = "slow"
            scenario = "{BASELINE}"
            replications = 16
            outputs = ["new_customers"]
            [set]
            days = 1100
            "population.n_consumers" = 2000
            [parameters."brands.focal.p_problem"]
            values = [0.05, 0.3]
            """
        )
    )
    return path


def slow_scenarios(tmp_path: Path) -> list[Path]:
    """Two scenarios whose replications take seconds each, for `mot compare`."""
    paths = []
    for name in ("slow_a", "slow_b"):
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'extends = "{BASELINE}"\nname = "{name}"\ndays = 1100\n'
            "[population]\nn_consumers = 2000\n"
        )
        paths.append(path)
    return paths


def slow_sweep(tmp_path: Path, out: Path) -> subprocess.Popen[str]:
    """`mot sweep` of `slow_experiment` on two local workers, one run per task, into `out`."""
    return mot("sweep", slow_experiment(tmp_path), "--workers", "2", "--chunk", "1", "--out", out)


LOCAL_PROCESSES = 5
"""A local pool's session: the command, the resource tracker, the forkserver, two workers."""


@pytest.mark.slow
def test_kill_9_of_a_sweep_leaves_no_process_behind(tmp_path, reap):
    command = slow_sweep(tmp_path, tmp_path / "out")
    reap.append(command)
    wait_for_processes(command, LOCAL_PROCESSES)
    os.kill(command.pid, signal.SIGKILL)
    command.wait(timeout=10)
    assert wait_until_gone(command.pid) == []


@pytest.mark.slow
def test_kill_9_of_a_comparison_leaves_no_process_behind(tmp_path, reap):
    command = mot(
        "compare", *slow_scenarios(tmp_path), "--replications", "3", "--workers", "2",
        "--out", tmp_path / "out",
    )  # fmt: skip
    reap.append(command)
    wait_for_processes(command, LOCAL_PROCESSES)
    os.kill(command.pid, signal.SIGKILL)
    command.wait(timeout=10)
    assert wait_until_gone(command.pid) == []


@pytest.mark.slow
def test_kill_9_of_a_dask_local_sweep_leaves_no_process_behind(tmp_path, reap):
    # Dask's own watch: each worker exits when a pipe from the command closes. Kill once the
    # workers compute (a part is written), as a user would.
    out = tmp_path / "out"
    experiment = slow_experiment(tmp_path)
    command = mot(
        "sweep", experiment, "--dask", "local", "--workers", "2", "--chunk", "1", "--out", out
    )
    reap.append(command)
    wait_for_processes(command, 4)  # the command, the resource tracker, two Dask workers
    os.kill(command.pid, signal.SIGKILL)
    command.wait(timeout=10)
    assert wait_until_gone(command.pid) == []


def assert_one_line_terminated(command: subprocess.Popen[str], name: str) -> None:
    """The command exits 143 with `mot NAME: terminated` last on stderr and no traceback."""
    _, err = command.communicate(timeout=15)  # stderr read while waiting: a full pipe can't stall
    assert command.returncode == EXIT_TERMINATED, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == f"mot {name}: terminated", err


def hidden_entries(folder: Path) -> list[Path]:
    """Temporary files or folders (names starting with '.') anywhere under `folder`."""
    return list(folder.rglob(".*")) if folder.exists() else []


@pytest.mark.slow
def test_sigterm_during_run_is_one_line_exit_143_and_leaves_no_temporary_folder(tmp_path, reap):
    out = tmp_path / "out"
    scenario = slow_scenarios(tmp_path)[0]
    # five replications, run one after another, so the run is still simulating 0.5 s after its
    # folder appears on any machine (with one it once ended first); it is stopped long before
    command = mot("run", scenario, "--replications", "5", "--out", out)
    reap.append(command)
    deadline = time.monotonic() + 60
    while not hidden_entries(out):  # the run is writing into its hidden folder
        assert command.poll() is None and time.monotonic() < deadline, command.stderr.read()
        time.sleep(0.05)
    time.sleep(0.5)
    assert command.poll() is None, "the run ended before it could be stopped"
    command.send_signal(signal.SIGTERM)
    assert command.wait(timeout=15) == EXIT_TERMINATED
    assert command.stderr.read() == "mot run: terminated\n"  # exactly one line
    assert hidden_entries(out) == []
    assert not out.exists()  # the folders the run created are removed too


@pytest.mark.slow
def test_the_next_run_removes_what_a_killed_run_left(tmp_path, reap):
    """kill -9 gives no chance to clean up; the next run writing there removes the leftovers."""
    out = tmp_path / "out"
    scenario = slow_scenarios(tmp_path)[0]
    command = mot("run", scenario, "--replications", "1", "--out", out)
    reap.append(command)
    deadline = time.monotonic() + 60
    while not hidden_entries(out):
        assert command.poll() is None and time.monotonic() < deadline, command.stderr.read()
        time.sleep(0.05)
    command.kill()
    command.wait(timeout=15)
    left = hidden_entries(out)
    assert left, "a killed run leaves its temporary folder (nothing can clean up on SIGKILL)"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(scenario), "--days", "5", "--out",
         str(out), "--quiet"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert hidden_entries(out) == []


@pytest.mark.slow
def test_sigterm_during_sweep_stops_the_workers_at_once(tmp_path, reap):
    out = tmp_path / "out"
    command = slow_sweep(tmp_path, out)
    reap.append(command)
    wait_for_processes(command, LOCAL_PROCESSES)
    time.sleep(1)  # the workers are inside their first chunk
    command.send_signal(signal.SIGTERM)
    assert_one_line_terminated(command, "sweep")  # without waiting for the chunks in flight
    assert wait_until_gone(command.pid, 5) == []
    assert hidden_entries(out) == []  # no half-written part


@pytest.mark.slow
def test_sigterm_during_compare_stops_the_workers_and_writes_nothing(tmp_path, reap):
    out = tmp_path / "out"
    command = mot(
        "compare", *slow_scenarios(tmp_path), "--replications", "3", "--workers", "2",
        "--out", out,
    )  # fmt: skip
    reap.append(command)
    wait_for_processes(command, LOCAL_PROCESSES)
    time.sleep(1)
    command.send_signal(signal.SIGTERM)
    assert_one_line_terminated(command, "compare")
    assert wait_until_gone(command.pid, 5) == []
    assert not out.exists()


@pytest.mark.slow
def test_ctrl_c_of_a_sweep_is_one_line_exit_130(tmp_path, reap):
    # A terminal sends SIGINT to the whole foreground group: the workers must stay quiet and
    # leave the cleanup to the command.
    command = slow_sweep(tmp_path, tmp_path / "o")
    reap.append(command)
    wait_for_processes(command, LOCAL_PROCESSES)
    time.sleep(1)
    how = {"sweep": sigint_state(command.pid), "pytest": sigint_state(os.getpid())}
    os.killpg(command.pid, signal.SIGINT)
    # stderr read while waiting (a full pipe can't stall); alone the stop takes ~2 s
    _, err = command.communicate(timeout=60)
    assert command.returncode == 130, f"{err}\nSIGINT when sent: {how}"
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "mot sweep: interrupted"
    assert wait_until_gone(command.pid, 5) == []


def test_sigterm_raises_terminated_inside_the_block_and_is_restored_after():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # interrupted by the handler at once
    assert signal.getsignal(signal.SIGTERM) == before
    assert issubclass(Terminated, KeyboardInterrupt)  # same cleanup path as Ctrl-C


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_wait_for_exit_returns_when_the_watched_process_ends(pidfd, monkeypatch):
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    returned = threading.Event()
    watcher = threading.Thread(
        target=lambda: (wait_for_exit(sleeper.pid, poll_s=0.05), returned.set()), daemon=True
    )
    watcher.start()
    assert not returned.wait(0.5)  # still running: still waiting
    sleeper.kill()
    sleeper.wait()
    assert returned.wait(5)
    wait_for_exit(sleeper.pid)  # an ended process: returns at once


@pytest.mark.parametrize(
    ("interrupt", "status", "line"),
    [(Terminated(), EXIT_TERMINATED, "terminated"), (KeyboardInterrupt(), 130, "interrupted")],
)
def test_an_interrupt_a_library_wrapped_in_its_own_error_still_stops_in_one_line(
    interrupt, status, line, monkeypatch, capsys
):
    # Numba, interrupted while compiling on a fresh checkout, raises RuntimeError("no compiled
    # object yet ...") during the interrupt's handling: seen in CI as exit 1 with a traceback.
    def compile_interrupted(args):
        try:
            raise interrupt
        except KeyboardInterrupt:
            raise RuntimeError("no compiled object yet for <Library 'count_moves'>") from None

    monkeypatch.setattr("sim.commands.run.run", compile_interrupted)
    assert main(["run", str(BASELINE)]) == status
    assert capsys.readouterr().err == f"mot run: {line}\n"


def test_an_error_with_no_interrupt_behind_it_is_not_taken_for_one(monkeypatch):
    def broken(args):
        raise RuntimeError("a real bug")

    monkeypatch.setattr("sim.commands.run.run", broken)
    with pytest.raises(RuntimeError, match="a real bug"):
        main(["run", str(BASELINE)])
