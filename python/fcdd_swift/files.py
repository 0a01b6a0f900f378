"""Writing files the way the engine writes its own (IO/AtomicFile.swift through `fcdd_write_file`): every file
this package writes from Python (ONNX graphs, grid tables, files shipped back from Ray workers) goes through
`write_file`, so none can follow a link planted at a temporary name or be left half written, and a user's
file is replaced only where the caller asked for it. `read_file` reads whole regular files (model files for the
server)."""
import ctypes
import os
import stat

from ._lib import check, cpath, lib
from .errors import FCDDIOError, InvalidArgumentError


def write_file(path, data, replace=True):
    """Writes `data` (bytes, or str as UTF-8) to `path`: a fresh temporary file in its folder (created with
    O_EXCL and O_NOFOLLOW), synced, then renamed over `path`. With ``replace=False`` an existing `path` raises
    `FCDDFileExistsError` (a FileExistsError) and is left as it was. Returns `path`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgumentError(f"data must be bytes or str; got {type(data).__name__}")
    data = bytes(data)
    buffer = ctypes.create_string_buffer(data, len(data)) if data else None
    check(lib.fcdd_write_file(cpath(path), buffer, len(data), 1 if replace else 0))
    return path


def read_file(path):
    """The bytes of the regular file at `path` (a FIFO or device, which could block or never end, is refused
    with FCDDIOError, as the engine's readers refuse it)."""
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise FCDDIOError(f"cannot read {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FCDDIOError(f"{path} is not a regular file")
        return f.read()
