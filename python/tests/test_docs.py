"""The README is an entry point (short, linking every guide) and every relative link of the README and the
guides leads to a file of the repository (and, with an anchor, to a heading of it)."""
import glob
import os
import re

import support

README = os.path.join(support.REPO, "README.md")
PAGES = [README] + sorted(glob.glob(os.path.join(support.REPO, "docs", "*.md")))


def _anchor(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_readme_is_short_and_links_every_guide():
    text = open(README).read()
    assert len(text.splitlines()) <= 250
    for page in PAGES[1:]:
        name = os.path.basename(page)
        assert f"(docs/{name})" in text, f"the README does not link docs/{name}"


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        text = open(page).read()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue                      # http(s), mailto
            path, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not os.path.exists(resolved):
                broken.append(f"{os.path.relpath(page, support.REPO)}: {target}")
            elif anchor and resolved.endswith(".md"):
                headings = [_anchor(h) for h in re.findall(r"^#+ (.*)$", open(resolved).read(), flags=re.M)]
                if anchor not in headings:
                    broken.append(f"{os.path.relpath(page, support.REPO)}: {target} (no such heading)")
    assert not broken, broken
