"""Every bad input to `mot run` gets one line on stderr, exit status 2, and writes nothing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from sim.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `mot` in-process; return (exit status, stdout, stderr)."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status: int, err: str, *fragments: str) -> None:
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("mot run: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BAD_FILES = {
    "unknown key": ("[population]\nn_consumer = 5\n", "population.n_consumer: unknown key"),
    "wrong type": ("days = 'many'\n", "days: input should be a valid integer", "got 'many'"),
    "out of range": ("[brands.focal]\np_problem = 1.7\n", "brands.focal.p_problem: must be <= 1"),
    "unknown strategy": (
        "[brands.focal.strategies.teleport]\n",
        "brands.focal.strategies.teleport: unknown strategy",
    ),
    "negative days": ("days = -3\n", "days: must be >= 1, got -3"),
    "zero population": ("[population]\nn_consumers = 0\n", "population.n_consumers: must be >= 1"),
    "malformed TOML": ("days = 3\nseed = = 4\n", "malformed TOML", "line 2"),
    "name escaping results": ('name = ".."\n', "name: '..'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file(case, tmp_path, capsys, results_root):
    text, *fragments = BAD_FILES[case]
    path = write(tmp_path, text)
    status, out, err = run_cli(capsys, "run", str(path), "--out", str(results_root))
    assert_one_line_error(status, err, f"{path}: ", *fragments)
    assert out == ""
    assert not results_root.exists()


def test_missing_file(tmp_path, capsys, results_root):
    missing = tmp_path / "nowhere.toml"
    status, _, err = run_cli(capsys, "run", str(missing), "--out", str(results_root))
    assert_one_line_error(status, err, str(missing), "no such file")


def test_directory_instead_of_file(tmp_path, capsys, results_root):
    status, _, err = run_cli(capsys, "run", str(tmp_path), "--out", str(results_root))
    assert_one_line_error(status, err, str(tmp_path), "is a directory")


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--days", "-5", "--days: must be >= 1, got -5"),
        ("--days", "0", "--days: must be >= 1, got 0"),
        ("--days", "ten", "--days: must be a whole number, got 'ten'"),
        ("--days", "5000", "days: must be <= 3650"),
        ("--replications", "0", "--replications: must be >= 1"),
        ("--seed", "-1", "--seed: must be >= 0"),
        ("--seed", "1.5", "--seed: must be a whole number"),
    ],
)
def test_bad_option_values(option, value, fragment, small_scenario_file, capsys, results_root):
    argv = ["run", str(small_scenario_file), option, value, "--out", str(results_root)]
    status, _, err = run_cli(capsys, *argv)
    assert_one_line_error(status, err, fragment)
    assert not results_root.exists()


def test_output_folder_that_is_a_file(tmp_path, small_scenario_file, capsys):
    blocker = tmp_path / "results_file"
    blocker.write_text("not a folder")
    status, _, err = run_cli(capsys, "run", str(small_scenario_file), "--out", str(blocker))
    assert_one_line_error(status, err, str(blocker), "cannot write results")
    assert blocker.read_text() == "not a folder"


def test_read_only_output_folder(tmp_path, small_scenario_file, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root ignores folder permissions: refuse as the OS would for a user
        real_mkdir = Path.mkdir

        def refuse(self, *args, **kwargs):
            if locked in self.parents:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", refuse)
    try:
        status, _, err = run_cli(capsys, "run", str(small_scenario_file), "--out", str(locked))
    finally:
        locked.chmod(0o755)
    assert_one_line_error(status, err, "cannot write results", "Permission denied")
    assert list(locked.iterdir()) == []
