"""The guides of docs/ (and the README), readable where the package is installed: `pip install .` copies
them into the package (fcdd_swift/_docs), and a source checkout reads them from the repository.

    >>> import fcdd_swift as fs
    >>> fs.guide()                       # the names of the guides
    >>> print(fs.guide("detector"))      # docs/detector.md: fs.FCDD, its parameters, choosing the supervision
"""
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
# Installed: next to this file. Source checkout (python/fcdd_swift): the repository's docs/ and README.md.
_FOLDERS = [os.path.join(_HERE, "_docs"), os.path.join(os.path.dirname(os.path.dirname(_HERE)), "docs")]


def _pages():
    pages = {}
    for folder in _FOLDERS:
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".md"):
                pages.setdefault(name[:-3], os.path.join(folder, name))
        readme = os.path.join(os.path.dirname(folder), "README.md")
        if os.path.basename(folder) == "docs" and os.path.isfile(readme):
            pages.setdefault("README", readme)
    return pages


def guide_path(name):
    """The path of guide `name` (a page of docs/ without ".md", e.g. "detector", "serving", "usage", or "README")."""
    pages = _pages()
    if name not in pages:
        raise ValueError(f"no guide named {name!r}; the guides are {', '.join(sorted(pages)) or 'not installed'}")
    return pages[name]


def guide(name=None):
    """The text of guide `name` (Markdown), or with no name the sorted list of guide names."""
    if name is None:
        return sorted(_pages())
    with open(guide_path(name), encoding="utf-8") as f:
        return f.read()
