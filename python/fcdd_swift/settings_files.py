"""Reading the settings files users hand to the command line (`train --config`, `grid SPEC` and its `base`):
JSON, or YAML for grid specs, with bounds that a hostile file cannot get past. A settings file is small and
flat, so anything far beyond that is refused before it costs memory or time:

* the file is read up to MAX_BYTES (a larger one is an error, whatever it holds);
* YAML aliases (`*name`) are refused: each one copies its anchor, so a few hundred bytes of nested aliases
  expand to gigabytes once the settings are copied to JSON (a "billion laughs" file);
* nesting deeper than MAX_DEPTH is refused (JSON's and YAML's parsers recurse, and so does every copy).
"""
import json
import os
import stat

# A settings file of the longest grid anyone writes by hand is a few kilobytes.
MAX_BYTES = 1 << 20
# Settings nest two or three levels (spec -> grid -> list of values, a value may be a list).
MAX_DEPTH = 32


def read_text(path, what):
    """The file's text, at most MAX_BYTES; only a regular file (a FIFO or device would block or never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise ValueError(f"{_prefix(what)}cannot read {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{_prefix(what)}{path} is not a regular file")
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"{_prefix(what)}{path} is larger than {MAX_BYTES // 1024} KiB, the limit for a settings file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{_prefix(what)}{path} is not UTF-8 text ({e.reason} at byte {e.start})") from None


def _prefix(what):
    return f"{what}: " if what else ""


def check_depth(value, what, path):
    """Raises when `value` nests deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{_prefix(what)}{path} nests deeper than {MAX_DEPTH} levels; settings are flat")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def parse_json(text, what, path, yaml_hint=False):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        hint = "; YAML files end in .yaml or .yml" if yaml_hint else ""
        raise ValueError(f"{_prefix(what)}{path} is not JSON ({e}){hint}") from None
    except RecursionError:
        raise ValueError(f"{_prefix(what)}{path} nests deeper than {MAX_DEPTH} levels; settings are flat") from None
    check_depth(value, what, path)
    return value


def parse_yaml(text, what, path):
    try:
        import yaml
    except ImportError:
        raise ValueError(f"{_prefix(what)}{path} is YAML, which needs PyYAML: pip install 'fcdd-swift[ray]' (or pyyaml), or "
                         "write it as JSON") from None

    class BoundedLoader(yaml.SafeLoader):
        """PyYAML's safe loader without aliases and with a nesting bound, checked while composing, that is
        before any node is copied."""

        depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise ValueError(f"{_prefix(what)}{path} line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) "
                                 "are not allowed in a settings file; write the values out")
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ValueError(f"{_prefix(what)}{path} nests deeper than {MAX_DEPTH} levels; settings are flat")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as e:
        raise ValueError(f"{_prefix(what)}{path} is not valid YAML: {e}") from None
    except RecursionError:
        raise ValueError(f"{_prefix(what)}{path} nests deeper than {MAX_DEPTH} levels; settings are flat") from None
    finally:
        loader.dispose()


def read_settings_file(path, what, yaml_allowed=False):
    """The value a settings file holds: JSON, or YAML when `yaml_allowed` and the name ends in .yaml/.yml.
    `what` (if given) starts error messages: the option that named the file (`--config`)."""
    text = read_text(path, what)
    if yaml_allowed and path.endswith((".yaml", ".yml")):
        return parse_yaml(text, what, path)
    return parse_json(text, what, path, yaml_hint=yaml_allowed)
