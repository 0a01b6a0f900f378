"""The engine's settings from Python.

Every training setting is defined once, in the engine (Sources/FCDDCore/Settings): its name, where it
applies (``"experiment"``: `fcdd-swift train` and `run_experiment`; ``"detector"``: `FCDD`), its type, range or
choices, command-line flags, one line of help, and its default for every dataset and every detector profile.
`settings_schema()` returns that definition; the command line, `FCDD`'s parameters and the docs' tables are
made from it. Python converts values to JSON and nothing else: the engine fills in defaults and checks
every value (`resolve`), and its errors name the setting, the value and what is valid.
"""
import copy
import functools
import json
import numbers
import os

import numpy as np

from ._lib import lib, read_json, read_text
from .errors import InvalidArgumentError

@functools.lru_cache(maxsize=None)
def _schema():
    """The schema, read from the engine and parsed once (`FCDD`'s class body, the command line and the docs
    all use it); callers of this module get copies."""
    return json.loads(read_text(lib.fcdd_settings_schema))


def settings_schema():
    """The engine's settings schema (a new dict on every call).

    Returns
    -------
    dict
        ``{"version", "contexts", "datasets", "profiles": {name: {"runner", "images"}}, "grid": {"max_runs"},
        "fields": {name: {"type", "group", "role", "contexts", "option", "flags", "negated", "nullable", "range",
        "choices", "choice_help", "context_choices", "default": {dataset or profile: value}, "default_rule",
        "help"}}}``; fields in the order of `FCDD`'s
        parameters and of a run's config.json.
    """
    return copy.deepcopy(_schema())


def fields(context):
    """The schema's fields that `context` ("experiment" or "detector") reads, in order: {name: field}."""
    schema = _schema()
    if context not in schema["contexts"]:
        raise InvalidArgumentError(f"context must be one of {', '.join(schema['contexts'])}; got {context!r}")
    return {name: copy.deepcopy(f) for name, f in schema["fields"].items() if context in f["contexts"]}


def check_threads(value, name="threads"):
    """`value` as a thread count in the range of the schema's ``threads`` setting (an int), or
    InvalidArgumentError naming `name`, the value and the range."""
    bounds = _schema()["fields"]["threads"]["range"]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not bounds["min"] <= value <= bounds["max"]:
        raise InvalidArgumentError(f"{name} must be in {bounds['text']}; got {value!r}")
    return int(value)


def to_json(name, value):
    """`value` of setting `name` as a JSON value: numpy scalars and arrays, tuples and paths become numbers,
    lists and strings. Values that are not numbers, strings, booleans, lists or None raise an error naming the
    setting; checking the value itself is the engine's job."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if np.isfinite(v) else repr(v)  # JSON has no NaN: the engine names the value as text
    if isinstance(value, str):
        return value
    if isinstance(value, (os.PathLike, bytes)):
        return os.fsdecode(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_json(name, v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, dict):   # a record that travels with settings (the "run" of a config.json)
        return {str(k): to_json(f"{name}.{k}", v) for k, v in value.items()}
    raise InvalidArgumentError(f"{name} must be a number, string, boolean, list or None; got {value!r}")


def resolve(context, settings=None, data_shape=None, has_outliers=False):
    """The settings a run would use: `settings` (a dict; None or missing values take their defaults) with
    every default applied and checked by the engine.

    Parameters
    ----------
    context : {"experiment", "detector"}
    settings : dict or None
    data_shape : (C, H, W) or None
        The detector's training images, which choose its profile.
    has_outliers : bool
        Whether the detector has outlier images (``oe_data`` or known anomalies).

    Returns
    -------
    dict
        ``{"settings": {every setting of the context}, "profile": the detector's profile or None, "given": [names]}``.
    """
    request = {"context": context, "settings": {k: to_json(k, v) for k, v in (settings or {}).items()},
               "data_shape": None if data_shape is None else [to_json("data_shape", v) for v in data_shape],
               "has_outliers": bool(has_outliers)}
    return read_json(lib.fcdd_settings_resolve, json.dumps(request).encode("utf-8"))


def describe_default(field, keys):
    """One line for the defaults of `field` over `keys` (datasets or profiles): "200" when they agree, else
    the keys grouped by value, "synthetic 20, fmnist 400, cifar10/imagenet/pascalvoc 600, mvtec/custom 200"."""
    values = [(k, format_value(field["default"][k])) for k in keys if k in field["default"]]
    if not values:
        return ""
    texts = [t for _, t in values]
    if len(set(texts)) == 1:
        return texts[0]
    if all(k == t for k, t in values):   # the setting that selects the column (dataset): its own default
        return texts[0]
    groups = {}
    for k, t in values:
        groups.setdefault(t, []).append(k)
    return ", ".join(f"{'/'.join(ks)} {t}" for t, ks in groups.items())


def format_value(value):
    """A default as people write it: lists space-separated, None as "none"."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float) and 0 < abs(value) < 0.05:   # 0.001 -> 1e-3, 1e-06 -> 1e-6
        mantissa, exponent = f"{value:e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    if isinstance(value, str) and value == "":
        return '""'
    return str(value)
