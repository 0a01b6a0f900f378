"""The constructor parameters of `FCDD`, made from the engine's settings schema, and scikit-learn's parameter
protocol (get_params / set_params / repr) without depending on scikit-learn.

The parameters are the schema's detector settings in schema order, with ``oe_data`` (images, not a setting)
after ``oe_limit``. A parameter's default is the schema's value where every profile agrees and nothing else
changes it (``objective="fcdd"``, ``contamination=0.1``, ...); otherwise None, which the engine resolves at
`fit` from the training images (see `settings.resolve`). Nothing is checked here: the engine checks every
value and names the parameter in its error.
"""
import inspect

import numpy as np

from .. import settings

_P = inspect.Parameter
DATA_PARAMETERS = {"oe_data": ("oe_limit", "array or None", "outlier-exposure images, in any layout `fit` accepts, "
                                                           "of any size (resized to the training images' size)")}


def _rule(field):
    """How the detector's default of `field` follows other settings, or None."""
    return (field["default_rule"] or {}).get("detector")


def _default(field, profiles):
    values = [field["default"][p] for p in profiles]
    same = all(v == values[0] for v in values)
    return values[0] if same and _rule(field) is None else None


def signature():
    """The signature of `FCDD.__init__`: self, then every detector setting and ``oe_data``."""
    profiles = list(settings.settings_schema()["profiles"])
    parameters = [_P("self", _P.POSITIONAL_OR_KEYWORD)]
    for name, field in settings.fields("detector").items():
        parameters.append(_P(name, _P.POSITIONAL_OR_KEYWORD, default=_default(field, profiles)))
        parameters += [_P(data, _P.POSITIONAL_OR_KEYWORD, default=None)
                       for data, (after, _, _) in DATA_PARAMETERS.items() if after == name]
    return inspect.Signature(parameters)


def make_init():
    """An ``__init__`` that stores every parameter as given (scikit-learn's convention) under `signature()`."""
    sig = signature()

    def __init__(self, *args, **kwargs):
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = sig
    __init__.__doc__ = "Stores the parameters; see the class documentation."
    return __init__


def engine_settings(params):
    """The detector settings of the engine from `get_params()`: every setting as JSON, data parameters left out."""
    return {name: settings.to_json(name, value) for name, value in params.items() if name not in DATA_PARAMETERS}


def _type_text(field):
    if field["type"] == "choice":
        choices = (field["context_choices"] or {}).get("detector") or field["choices"]
        return "{" + ", ".join(f'"{c}"' for c in choices) + "}" if len(choices) <= 8 else "str"
    return {"int": "int", "number": "float", "bool": "bool", "string": "str", "path": "path",
            "int_list": "list of int", "number_list": "list of float"}[field["type"]]


def parameters_doc():
    """The numpydoc "Parameters" section of `FCDD`, with the default of every profile."""
    schema = settings.settings_schema()
    profiles = list(schema["profiles"])
    lines = ["Parameters", "----------"]
    for param in list(signature().parameters.values())[1:]:
        if param.name in DATA_PARAMETERS:
            _, kind, text = DATA_PARAMETERS[param.name]
            lines += [f"{param.name} : {kind}", f"    {text[0].upper() + text[1:]}."]
            continue
        field = schema["fields"][param.name]
        kind = _type_text(field) + (" or None" if param.default is None else "")
        text = field["help"] + "."
        if param.default is not None:
            text += f" Default: {settings.format_value(param.default)}."
        else:
            text += f" None: {settings.describe_default(field, profiles)}."
        if _rule(field):
            text += f" Not given: {_rule(field)}."
        lines += [f"{param.name} : {kind}"] + _wrap(text, "    ")
    return "\n".join(lines)


def _wrap(text, indent, width=100):
    out, line = [], indent
    for word in text.split():
        if len(line) + len(word) + 1 > width and line.strip():
            out.append(line.rstrip())
            line = indent
        line += word + " "
    out.append(line.rstrip())
    return out


class ParamsMixin:
    """get_params / set_params / repr in scikit-learn's style, from the constructor's signature."""

    @classmethod
    def _param_names(cls):
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep=True):
        """The constructor parameters as a dict (`deep` is accepted for scikit-learn; nothing is nested)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Sets constructor parameters; they take effect at the next `fit`. Returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {k: v.default for k, v in inspect.signature(type(self).__init__).parameters.items()}
        changed = []
        for name, value in self.get_params().items():
            default = defaults.get(name)
            same = value is default or (not isinstance(value, np.ndarray) and not isinstance(default, np.ndarray)
                                        and value == default)
            if not same:
                shown = f"<array {value.shape} {value.dtype}>" if isinstance(value, np.ndarray) else repr(value)
                changed.append(f"{name}={shown}")
        return f"{type(self).__name__}({', '.join(changed)})"

