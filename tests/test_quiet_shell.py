"""Solara's stand-in shell answers a page's messages without building a mock each time
(`sim.classroom.quiet_shell`). Run in a fresh interpreter: importing Solara's server app patches
the whole process (threads, IPython, output), which must not leak into other tests."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = """
    from types import SimpleNamespace
    from unittest import mock

    import solara.server.starlette  # Solara's app, imported before its patch module
    from solara.server import patch

    from sim.classroom.quiet_shell import NoEvents, quiet_events

    context = SimpleNamespace(kernel=SimpleNamespace(shell=SimpleNamespace(display_pub=None)))
    before = patch.FakeIPython(context).events
    quiet_events(patch)
    after = patch.FakeIPython(context).events
    print(isinstance(before, mock.MagicMock), isinstance(after, NoEvents),
          after.trigger("pre_execute") is None and after.register("post_execute", print) is None)
"""


def test_the_shell_of_each_message_has_no_mock_events():
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # without quiet_events a mock (the control); with it, events that do nothing
    assert done.stdout.split() == ["True", "True", "True"]
