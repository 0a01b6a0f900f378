"""Exceptions raised by fcdd_swift; each status code of the C ABI maps to one class."""


class FCDDError(Exception):
    """Base class of every error raised by fcdd_swift."""


class InvalidArgumentError(FCDDError, ValueError):
    """A value is out of range, of the wrong type, unknown, NaN, ..."""


class ShapeError(FCDDError, ValueError):
    """An array has the wrong shape or size."""


class NotFoundError(FCDDError, KeyError):
    """A named tensor, parameter or file entry does not exist."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class FCDDIOError(FCDDError, OSError):
    """Reading or writing a file failed."""


class FormatError(FCDDError, ValueError):
    """A file exists but is malformed."""


class StateError(FCDDError, RuntimeError):
    """The call is not valid in the current state (e.g. a step before any gradient)."""


_BY_STATUS = {
    1: InvalidArgumentError, 2: ShapeError, 3: NotFoundError, 4: FCDDIOError, 5: FormatError,
    6: StateError, 7: InvalidArgumentError, 8: FCDDError,
}


def error_for(status, message):
    """The exception for a non-zero status code of the C ABI."""
    return _BY_STATUS.get(status, FCDDError)(message or f"fcdd error {status}")
