"""The models a server holds: each loaded from its file, swapped for a new load atomically on reload.

A request takes the current `ServedModel` once and uses only it, so a reload never changes the model under
a request in flight: that request finishes on the old one, later requests get the new one. A file that
does not load leaves the old model serving."""
import dataclasses
import hashlib
import os
import threading
import time

from ..detector import FCDD
from ..errors import FCDDError, NotFoundError
from ..files import read_file


@dataclasses.dataclass(frozen=True)
class ServedModel:
    name: str
    path: str
    detector: FCDD
    version: str          # the first 16 hex digits of the file's SHA-256
    loaded_at: float      # time.time() of the load

    def describe(self):
        """The entry of GET /v1/models."""
        det = self.detector
        thresholds = det.thresholds_ or {}
        return {
            "name": self.name, "path": self.path, "version": self.version,
            "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.loaded_at)),
            "network": det.resolved_params_["net"], "objective": det.resolved_params_["objective"],
            "input_shape": list(det.in_shape_), "data_shape": list(det.data_shape_),
            "threads": det.threads,
            "thresholds": {level: None if thresholds.get(level) is None else
                           {"value": thresholds[level]["value"], "method": thresholds[level]["method"]}
                           for level in ("image", "pixel")},
        }


def load_model(name, path, threads=None):
    """A ServedModel from a model file of fs.FCDD.save or `fcdd-swift fit` (FormatError names a file that is
    not one, e.g. a training snapshot)."""
    if not os.path.isfile(path):
        raise NotFoundError(f"model {name!r}: no such model file {path}")
    # One read: the version is the hash of exactly the bytes that are loaded, even if the file is replaced
    # meanwhile.
    data = read_file(path)
    version = hashlib.sha256(data).hexdigest()[:16]
    detector = FCDD.from_bytes(data, path)
    if threads is not None:
        detector.set_params(threads=threads)
    return ServedModel(name, path, detector, version, time.time())


class ModelRegistry:
    """name -> ServedModel, for the server's threads."""

    def __init__(self, models, threads=None):
        self._paths = dict(models)
        self._threads = threads
        self._current = {}
        self._swap = threading.Lock()          # guards _current
        self._reloading = {name: threading.Lock() for name in self._paths}   # one reload per model at a time

    def load_all(self):
        for name, path in self._paths.items():
            model = load_model(name, path, self._threads)
            with self._swap:
                self._current[name] = model

    @property
    def names(self):
        return list(self._paths)

    def loaded(self):
        with self._swap:
            return [self._current[n] for n in self._paths if n in self._current]

    def get(self, name):
        with self._swap:
            model = self._current.get(name)
        if model is None:
            if name in self._paths:
                raise NotFoundError(f"model {name!r} is not loaded")
            raise NotFoundError(f"no model named {name!r}; models: {', '.join(self._paths)}")
        return model

    def reload(self, name):
        """Loads the model's file again and swaps it in; on any error the old model keeps serving and the
        error is raised (FCDDError or OSError)."""
        if name not in self._paths:
            raise NotFoundError(f"no model named {name!r}; models: {', '.join(self._paths)}")
        with self._reloading[name]:
            model = load_model(name, self._paths[name], self._threads)
            with self._swap:
                old = self._current.get(name)
                self._current[name] = model
        return model, old

    def reload_all(self):
        """Reloads every model; returns {name: ServedModel or the error that left the old one serving}."""
        outcome = {}
        for name in self._paths:
            try:
                outcome[name] = self.reload(name)[0]
            except (FCDDError, OSError) as e:
                outcome[name] = e
        return outcome
