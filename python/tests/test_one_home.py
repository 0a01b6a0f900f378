"""The engine owns the layout of an experiment: no code of the Python package spells a run's folder or
the files that say how far a run got (it takes both from the engine's plan), and no module keeps its own
list of settings that a grid may not vary (the schema's roles say it). Docstrings and comments may name
them; string literals in code may not."""
import ast
import os
import re

import fcdd_swift as fs

ROOT = os.path.dirname(os.path.abspath(fs.__file__))
# What only the engine's Experiment/Plan/ExperimentLayout.swift may spell.
LAYOUT = ("normal_", "it_", "result.json", "snapshot.safetensors", "summary.json", "config.json")


def _docstrings(tree):
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _code_strings():
    for folder, _, names in os.walk(ROOT):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                tree = ast.parse(open(path, encoding="utf-8").read(), path)
                docs = _docstrings(tree)
                for node in ast.walk(tree):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                        yield os.path.relpath(path, ROOT), node.lineno, node.value
                    elif isinstance(node, ast.JoinedStr):   # f-strings: their literal parts
                        for part in node.values:
                            if isinstance(part, ast.Constant):
                                yield os.path.relpath(path, ROOT), node.lineno, part.value


def _is_layout(text):
    # A message may mention a file by name ("a run's result.json"); what builds a path or looks one up is
    # the bare name, or a folder prefix followed by its number ("normal_3/it_0", f"normal_{c}").
    return text in LAYOUT or re.match(r"(normal_|it_)(\d|$)", text) is not None


def test_python_spells_no_part_of_an_experiments_layout():
    found = [f"{path}:{line}: {text!r}" for path, line, text in _code_strings() if _is_layout(text)]
    assert not found, "the run layout belongs to the engine's plan:\n" + "\n".join(found)


def test_the_check_finds_a_path_built_in_python(tmp_path):
    """The scan above is not blind: the code the grid once had is found."""
    tree = ast.parse('os.path.join(d, f"normal_{c}", f"it_{i}", "result.json")')
    texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert sorted(t for t in texts if _is_layout(t)) == ["it_", "normal_", "result.json"]
