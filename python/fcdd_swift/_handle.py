"""Ownership of one opaque C handle: freed once by `close()`, a `with` block or garbage collection.

ctypes releases the GIL during every foreign call, and the C ABI allows only one thread per handle at a
time, so every use of the pointer happens under the handle's lock (different handles run in parallel).
"""
import contextlib
import ctypes
import threading

from .errors import StateError


class NativeHandle:
    """Base class of objects that own a C handle; subclasses set `_free` to the C free function."""

    _free = None     # e.g. lib.fcdd_network_free (ctypes functions are not descriptors: no binding)
    _kind = "handle"  # for messages: "network", "optimizer", ...
    _lock_type = threading.Lock

    def __init__(self):
        self._lock = self._lock_type()
        self._ptr = ctypes.c_void_p()  # filled by the C create function through byref()

    @contextlib.contextmanager
    def _use(self):
        """Holds the lock and yields the pointer; a closed handle raises StateError."""
        with self._lock:
            if not self._ptr:
                raise StateError(f"this {self._kind} has been closed")
            yield self._ptr

    @property
    def closed(self):
        """True once the native object has been freed."""
        return not getattr(self, "_ptr", None)

    def close(self):
        """Frees the native object now (idempotent). Later calls raise StateError."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before the handle existed
            return
        with lock:
            ptr, self._ptr = self._ptr, None
            if ptr:
                type(self)._free(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # at interpreter shutdown module globals may already be gone
            pass
