"""Every page of a class handled on the server's one event loop, not a thread per page.

Why: Solara gives each open page (each WebSocket) its own thread with its own event loop, and
every message a page sends out crosses back to the server's loop through a blocking portal. A
class is one Python process on a 2-core laptop, so the 30 threads only take turns with the GIL,
and the crossings cost more than the work: with 30 students pressing "Step 7 days" together, a
step took 34 ms of server CPU (about 10 ms of it the market's seven days), and the last student
waited 1.1 s. Handled on the one loop, the same step took 17 ms and the last student 0.57 s
(docs/classroom-speed.md, "fourth round").

Solara supports this (`settings.kernel.threaded = False`), with three gaps about the threads a
page still starts (Play's frames, the class's poll) that this module closes:

- such a thread changes the page from outside the loop, and Solara then schedules the WebSocket
  send with `loop.create_task`, which is not safe from another thread (the send may wait until
  something else wakes the loop): `send_from_any_thread` hands it to the loop with
  `call_soon_threadsafe`, keeping the order of sends;
- every thread of a page was filed under the page's one key, so the first to end (Play paused)
  took the page's kernel away from the others (the poll then failed with "no known context"):
  `own_key_per_thread` files each thread under a key of its own;
- a thread started outside any page (AnyIO's workers) failed at its end looking for a key it
  never had, printing a traceback at Ctrl+C: `forgiving_clear` lets it end quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any


def serve_on_one_loop(settings: Any, wrapper: type, kernel_context: ModuleType) -> None:
    """Switch Solara's per-page threads off (`settings`: `solara.server.settings`) and close the
    gaps above in `wrapper` (Solara's `WebsocketWrapper`) and `kernel_context` (its module).
    Idempotent."""
    settings.kernel.threaded = False
    for name in ("send_text", "send_bytes"):
        setattr(wrapper, name, once(getattr(wrapper, name), send_from_any_thread))
    set_for, clear = kernel_context.set_context_for_thread, kernel_context.clear_context_for_thread
    kernel_context.set_context_for_thread = once(set_for, own_key_per_thread(kernel_context))
    kernel_context.clear_context_for_thread = once(clear, forgiving_clear)


def once(function: Callable, wrap: Callable[[Callable], Callable]) -> Callable:
    """`wrap(function)`, unless `function` is already wrapped by this module."""
    if getattr(function, "one_loop", False):
        return function
    wrapped = wrap(function)
    wrapped.one_loop = True
    return wrapped


def send_from_any_thread(send: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """`send` as is on the loop's thread; from another thread, handed to the loop."""

    @functools.wraps(send)
    def sent(self: Any, data: Any) -> None:
        if self.portal is not None:
            send(self, data)  # Solara's threads: its portal
        elif threading.get_ident() != self._thread_id:
            self.event_loop.call_soon_threadsafe(sent, self, data)
        elif not self.tasks:
            send_at_once(self, data)
        else:
            send(self, data)  # after the sends still waiting, in order

    return sent


def send_at_once(wrapper: Any, data: str | bytes) -> None:
    """Write `data` to the page's socket now (an eager task: it runs until the socket would
    have to wait), not once the loop has handled every message already waiting.

    Why: when 30 students press Step together, their 30 messages wait on the loop at once, and
    a plain task for each answer ran only after all 30 steps: every student saw their day when
    the last one's was done (median = max). Written at once, a student's day leaves as soon as
    their step is done. Only when no earlier send of this page is still waiting (`tasks`):
    a send that had to wait keeps its place ahead of later ones."""
    exc = wrapper._send_bytes_exc if isinstance(data, bytes) else wrapper._send_text_exc
    task = asyncio.Task(exc(data), loop=wrapper.event_loop, eager_start=True)
    if not task.done():
        wrapper.tasks.add(task)
        task.add_done_callback(wrapper.tasks.discard)


def own_key_per_thread(kernel_context: ModuleType) -> Callable[[Callable], Callable]:
    """A `set_context_for_thread` that first gives the starting thread a key of its own (the
    page's key plus the thread's id): the thread finds its page's kernel under it, and its end
    removes only that key."""

    def wrap(set_for: Callable[[Any, threading.Thread], None]) -> Callable:
        @functools.wraps(set_for)
        def set_own(context: Any, thread: threading.Thread) -> None:
            if thread.ident == threading.get_ident() != threading.main_thread().ident:
                kernel_context.async_context_id.set(f"{context.id}-thread-{thread.ident}")
            set_for(context, thread)

        return set_own

    return wrap


def forgiving_clear(clear: Callable[[threading.Thread], None]) -> Callable:
    """A `clear_context_for_thread` for which a thread that never had a page is done already."""

    @functools.wraps(clear)
    def cleared(thread: threading.Thread) -> None:
        with contextlib.suppress(LookupError):
            clear(thread)

    return cleared
