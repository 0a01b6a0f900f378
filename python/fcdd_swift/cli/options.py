"""Command-line options made from the engine's settings schema: a setting's flags, type, choices and
range come from its schema field, so an option of `train`, `grid` or `predict` cannot drift from the
setting it stands for."""
import argparse

from .. import settings

_VALUE_TYPES = {"int": int, "number": float, "int_list": int, "number_list": float}
_METAVARS = {"int": "N", "number": "X", "path": "PATH", "string": "TEXT"}


def add_setting_option(group, name, field, help, default=argparse.SUPPRESS, context="experiment"):
    """Adds the option of setting `name` (its schema `field`) to the argparse `group`; its value lands in
    `args.<name>` (absent when not given, unless `default`)."""
    kwargs = dict(dest=name, default=default, help=help)
    kind = field["type"]
    if kind == "bool":
        kwargs["action"] = "store_false" if field["negated"] else "store_true"
    else:
        kwargs["type"] = _VALUE_TYPES.get(kind, str)
        if kind in ("int_list", "number_list"):
            kwargs.update(nargs="+", metavar="N" if kind == "int_list" else "P")
        elif kind == "choice":
            kwargs["choices"] = (field["context_choices"] or {}).get(context) or field["choices"]
            if len(kwargs["choices"]) > 8:
                kwargs["metavar"] = "NAME"
        else:
            kwargs["metavar"] = _METAVARS[kind]
    group.add_argument(*field["flags"], **kwargs)


def check_setting_value(name, value):
    """`value` of a number setting checked against the schema's range, as an error that names the option."""
    field = settings.fields("experiment")[name]
    flag = next((f for f in field["flags"] if f.startswith("--")), name)
    bounds = field["range"]
    low_ok = bounds["min"] is None or (value > bounds["min"] if bounds["min_exclusive"] else value >= bounds["min"])
    high_ok = bounds["max"] is None or (value < bounds["max"] if bounds["max_exclusive"] else value <= bounds["max"])
    if not (low_ok and high_ok and value == value):
        raise ValueError(f"{flag} must be {bounds['text']}; got {value!r}")
    return value
