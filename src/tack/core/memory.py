"""Freed C heap handed back to the operating system (glibc's malloc_trim), now and then.

Why: glibc returns freed memory to the OS only from the top of its heap. After a burst (a few
thousand clients registering at once, each register reading a snapshot), the freed chunks sit
between long-lived objects (the sockets that stayed) and count in the server's RSS for good:
measured on `tack serve` with 2,000 idle sockets, malloc_trim(0) gave back 27 MB of 190 MB.
malloc_trim releases the free pages inside the heap too (madvise), without moving anything.
A call walks the heap's free lists: a few ms at these sizes, tens of ms on the heap a burst
of thousands of sockets leaves, once per `interval` seconds. It runs in a worker thread (ctypes
lets go of the GIL for the call), so the event loop keeps delivering meanwhile; only an
allocation too large for Python's own small-object allocator can wait on glibc's arena lock.
Elsewhere than glibc (musl, macOS) it is a no-op.
"""

import asyncio
from collections.abc import Callable

_trim: Callable[[int], int] | None | bool = False  # False: not looked up yet


def _malloc_trim() -> Callable[[int], int] | None:
    global _trim
    if _trim is False:
        try:
            import ctypes

            _trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim = None
    return _trim  # type: ignore[return-value]


def trim() -> bool:
    """Returns whether the allocator could do it (glibc)."""
    fn = _malloc_trim()
    if fn is None:
        return False
    fn(0)
    return True


async def trim_periodically(interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(trim)
