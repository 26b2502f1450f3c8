"""Solara's stand-in shell answers a page's messages without building a mock each time
(`sim.classroom.quiet_shell`)."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import solara.server.starlette  # noqa: F401 (Solara's app, imported before its patch module)
from solara.server import patch

from sim.classroom.quiet_shell import NoEvents, quiet_events

CONTEXT = SimpleNamespace(kernel=SimpleNamespace(shell=SimpleNamespace(display_pub=None)))


def test_the_shell_of_each_message_has_no_mock_events(monkeypatch):
    monkeypatch.setattr(patch, "mock", patch.mock)  # put back after the test
    assert isinstance(patch.FakeIPython(CONTEXT).events, mock.MagicMock)  # without: a mock
    quiet_events(patch)
    events = patch.FakeIPython(CONTEXT).events
    assert isinstance(events, NoEvents)
    assert events.trigger("pre_execute") is None and events.register("post_execute", print) is None
