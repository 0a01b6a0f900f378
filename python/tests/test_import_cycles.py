"""No import cycles inside the fcdd_swift package: every import between its modules (also the ones inside
functions, which only hide a cycle) is read from the source, and the graph must have no cycle. A package
module imports the parent packages of what it imports (their __init__ runs first), but not its own parent
packages: they are initialised before it."""
import ast
import os

import fcdd_swift as fs

ROOT = os.path.dirname(os.path.abspath(fs.__file__))


def _modules():
    found = {}
    for folder, _, names in os.walk(ROOT):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, os.path.dirname(ROOT))[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                found[".".join(parts)] = path
    return found


def _imports(module, path, modules):
    """The package modules `module` imports."""
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            # Importing a.b.c runs the packages a and a.b first: they are imports too, except the module's
            # own parent packages, which are initialised before it whatever it imports from them.
            while name:
                if name != module and not module.startswith(name + "."):
                    targets.add(name)
                name = name.rpartition(".")[0]
    return targets


def test_the_package_has_no_import_cycles():
    modules = _modules()
    graph = {m: _imports(m, p, modules) for m, p in modules.items()}
    assert len(graph) > 40
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, cycles
