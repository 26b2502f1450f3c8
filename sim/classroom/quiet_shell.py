"""Solara's stand-in IPython shell, without a `MagicMock` built for every message from a page.

Why: every message a page sends (a click, a slider's value) goes through `comm`'s `handle_msg`,
which asks `get_ipython()` and triggers its "pre_execute" and "post_execute" events. Under
Solara, `get_ipython()` builds a new `FakeIPython` for each call, whose `events` is a
`unittest.mock.MagicMock` (a stand-in for matplotlib's pyplot hooks, which no page here uses):
building the mock and the child mocks of its two calls cost ~0.4 ms a message on this machine,
about a twentieth of a student's step on the server. `NoEvents` answers the same calls with
nothing.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any


class NoEvents:
    """IPython's event hooks (`trigger`, `register`, `unregister`), doing nothing: what the
    mock did, without building itself."""

    def trigger(self, *args: Any, **kwargs: Any) -> None:
        """An event happened: nothing listens."""

    def register(self, *args: Any, **kwargs: Any) -> None:
        """Nothing is called back."""

    def unregister(self, *args: Any, **kwargs: Any) -> None:
        """Nothing was registered."""


def quiet_events(solara_patch: ModuleType) -> None:
    """Make `FakeIPython`'s events a `NoEvents` (`solara_patch`: `solara.server.patch`, whose
    only use of `unittest.mock` is that `MagicMock()`)."""
    solara_patch.mock = SimpleNamespace(MagicMock=NoEvents)
