"""Exceptions of fcdd_swift. Each status code of the C ABI (enum in fcdd.h) maps to one class; each class
also derives from the built-in exception a Python caller would expect (ValueError, KeyError, OSError, ...)."""
import sys


class FCDDError(Exception):
    """Base class of every error raised by fcdd_swift. ``status`` is the C status code (0 if raised in Python)."""

    status = 0


class InvalidArgumentError(FCDDError, ValueError):
    """A value is out of range, of the wrong type, unknown, NaN, ... (FCDD_ERR_INVALID_ARGUMENT, FCDD_ERR_NULL)."""


class ShapeError(FCDDError, ValueError):
    """An array has the wrong shape or size (FCDD_ERR_SHAPE)."""


class NotFoundError(FCDDError, KeyError):
    """A named tensor, parameter or state entry does not exist (FCDD_ERR_NOT_FOUND)."""

    def __str__(self):
        # KeyError.__str__ returns repr(key), which would wrap the whole message in quotes.
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class FCDDIOError(FCDDError, OSError):
    """Reading or writing a file failed (FCDD_ERR_IO)."""


class FormatError(FCDDError, ValueError):
    """A file exists but is malformed or truncated (FCDD_ERR_FORMAT)."""


class StateError(FCDDError, RuntimeError):
    """The call is not valid now, e.g. an optimiser step before any gradient or a closed handle (FCDD_ERR_STATE)."""


class FCDDMemoryError(FCDDError, MemoryError):
    """The memory a call needs cannot be allocated on this machine (FCDD_ERR_OUT_OF_MEMORY); the process and
    every object in it stay usable."""


class FCDDFileExistsError(FCDDError, FileExistsError):
    """A file the call would write already exists and replacing it was not asked for (FCDD_ERR_EXISTS); the
    existing file is left as it was."""


class NotFittedError(StateError, ValueError, AttributeError):
    """A detector used before `fit` (also a ValueError and AttributeError, as scikit-learn's NotFittedError)."""


_SKLEARN_NOT_FITTED = None


def not_fitted_error(message):
    """A NotFittedError that is also scikit-learn's NotFittedError once scikit-learn has been imported (by the
    user or a tool such as check_estimator), so `except sklearn.exceptions.NotFittedError` works; this package
    does not import scikit-learn itself (it is optional and takes about a second to import)."""
    global _SKLEARN_NOT_FITTED
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError(message)
    if _SKLEARN_NOT_FITTED is None:
        _SKLEARN_NOT_FITTED = type("NotFittedError", (NotFittedError, sklearn_exceptions.NotFittedError),
                                   {"__module__": __name__, "__doc__": NotFittedError.__doc__})
    return _SKLEARN_NOT_FITTED(message)


# Status codes of fcdd.h. FCDD_ERR_NULL can only come from a bug of this package (it never passes NULL
# where the header requires a pointer), but is still reported as an argument error rather than lost.
_BY_STATUS = {
    1: InvalidArgumentError,  # FCDD_ERR_INVALID_ARGUMENT
    2: ShapeError,            # FCDD_ERR_SHAPE
    3: NotFoundError,         # FCDD_ERR_NOT_FOUND
    4: FCDDIOError,           # FCDD_ERR_IO
    5: FormatError,           # FCDD_ERR_FORMAT
    6: StateError,            # FCDD_ERR_STATE
    7: InvalidArgumentError,  # FCDD_ERR_NULL
    8: FCDDError,             # FCDD_ERR_BUFFER_TOO_SMALL (handled by the text helpers; never expected here)
    9: FCDDMemoryError,       # FCDD_ERR_OUT_OF_MEMORY
    10: FCDDFileExistsError,  # FCDD_ERR_EXISTS
}


def error_for(status, message):
    """The exception object for a non-zero C status code and its message."""
    cls = _BY_STATUS.get(status, FCDDError)
    err = cls(message or f"fcdd_swift call failed with status {status}")
    err.status = status
    return err
