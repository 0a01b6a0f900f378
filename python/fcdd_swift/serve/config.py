"""What a server serves and how: plain values, so that uvicorn's worker processes and Ray Serve's replicas
can each build the same application from it (as JSON in an environment variable, or pickled by Ray)."""
import dataclasses
import json
import os
import re

from .. import settings
from ..errors import InvalidArgumentError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclasses.dataclass(frozen=True)
class ServeConfig:
    """models: {name: model file}; api_key: the key every request but /healthz and the page must carry
    (None: no key); max_upload_bytes: the largest request body; threads: engine threads of each model
    (None: the model's own setting, else one per core); min_area: the smallest region in pixels."""
    models: dict
    api_key: str = None
    max_upload_bytes: int = 20 * 1024 * 1024
    threads: int = None
    min_area: int = 1

    def __post_init__(self):
        if not self.models:
            raise InvalidArgumentError("serve needs at least one model")
        for name, path in self.models.items():
            if not isinstance(name, str) or not _NAME.match(name):
                raise InvalidArgumentError(f"model name {name!r}: use 1-64 letters, digits, '_', '.' or '-', "
                                           "starting with a letter or digit")
            if not isinstance(path, str) or not path:
                raise InvalidArgumentError(f"model {name!r}: the model file must be a path; got {path!r}")
        if self.api_key is not None and (not isinstance(self.api_key, str) or not self.api_key):
            raise InvalidArgumentError("the API key must be a non-empty string")
        if isinstance(self.max_upload_bytes, bool) or not isinstance(self.max_upload_bytes, int) or self.max_upload_bytes < 1:
            raise InvalidArgumentError(f"max_upload_bytes must be a positive integer; got {self.max_upload_bytes!r}")
        if self.threads is not None:
            settings.check_threads(self.threads)
        if isinstance(self.min_area, bool) or not isinstance(self.min_area, int) or self.min_area < 1:
            raise InvalidArgumentError(f"min_area must be an integer >= 1; got {self.min_area!r}")

    @staticmethod
    def parse_models(specs):
        """{name: path} from command-line words MODEL or NAME=MODEL (a bare file is named by its stem)."""
        models = {}
        for spec in specs:
            name, sep, path = spec.partition("=")
            if not sep:
                path = spec
                name = os.path.splitext(os.path.basename(spec))[0] or "model"
            if name in models:
                raise InvalidArgumentError(f"two models are named {name!r}; name them with NAME=MODEL")
            models[name] = os.path.abspath(path)
        return models

    # ---- for uvicorn's worker processes ----------------------------------------------------------

    ENVIRONMENT = "FCDD_SWIFT_SERVE_CONFIG"

    def to_json(self):
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_environment(cls):
        text = os.environ.get(cls.ENVIRONMENT)
        if not text:
            raise InvalidArgumentError(f"{cls.ENVIRONMENT} is not set: start the server with `fcdd-swift serve`")
        return cls(**json.loads(text))
