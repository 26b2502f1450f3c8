"""Memory handed back to the system once students left (the server's and the markets' process),
and what lives on kept out of the garbage collector's walks.

Why hand back: Python and the C allocator keep freed memory for reuse, so a server whose
students left still looked as large as with all of them in (369 MB after 30 left, 370 MB with
them). `malloc_trim` (glibc; skipped elsewhere) returns the free heap pages to the system.

Why keep out (`keep_out_of_collection_soon`): a full collection walks every object the
collector tracks, and 30 students' pages are hundreds of thousands of widgets, elements and
traits. Logged in the 30-student benchmark, the server's full collections grew with each
student to 0.28-0.52 s, every page waiting meanwhile, and one can come in the middle of a
class's burst of presses. A page lives as long as its student stays, so once a page is on
screen its objects are frozen (`gc.freeze`) after a collection that walks only what is not
frozen yet: the pages since the last one. When students leave, their pages' objects are
unfrozen, collected (one full walk, while students leave) and the rest frozen again.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import threading
from collections.abc import Callable

TRIM_AFTER_S = 5.0
"""A page's session is freed just after its last component is: wait, then hand memory back."""
KEEP_AFTER_S = 1.0
"""A page is on screen about a second after it opened: then keep its objects out (assumption:
students joining together are kept out in one go)."""
_trim_due = threading.Event()
_keep_due = threading.Event()
_freezing = threading.Event()
"""Set in a class's server and markets' process (`freeze_from_now`): tests and scripts that
render pages keep their collector as it was."""


def hand_back_memory_soon() -> None:
    """After a student left: in `TRIM_AFTER_S`, collect garbage and hand freed memory back to
    the system (once for students leaving together)."""
    soon(_trim_due, TRIM_AFTER_S, hand_back_memory)


def hand_back_memory() -> None:
    """Collect garbage, frozen objects too in a process that freezes (a page that closed may
    have been frozen while it was open; what lives on is frozen again), then return the free
    heap pages to the system."""
    _trim_due.clear()
    if _freezing.is_set():
        gc.unfreeze()
        keep_out_of_collection()
    else:
        gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def freeze_from_now() -> None:
    """Keep everything alive now out of the collector's walks (`gc.freeze`, after a collection),
    and from now on each page once it is on screen; unfrozen and collected when students
    leave (`hand_back_memory`). For a process that serves a class or runs its markets."""
    _freezing.set()
    keep_out_of_collection()


def keep_out_of_collection_soon() -> None:
    """After a page opened (in a process that freezes): in `KEEP_AFTER_S`, keep what lives on
    out of the collector's walks (once for pages opening together)."""
    if _freezing.is_set():
        soon(_keep_due, KEEP_AFTER_S, keep_out_of_collection)


def keep_out_of_collection() -> None:
    """Collect the garbage among the objects not frozen yet, then freeze the rest."""
    _keep_due.clear()
    gc.collect()
    gc.freeze()


def soon(due: threading.Event, after_s: float, then: Callable[[], None]) -> None:
    """Call `then` in `after_s` seconds on a timer thread, unless a call is already due."""
    if not due.is_set():
        due.set()
        timer = threading.Timer(after_s, then)
        timer.daemon = True
        timer.start()
