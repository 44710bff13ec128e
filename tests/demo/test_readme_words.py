"""The READMEs call each button, link, field and page by the name the portal shows.

The READMEs write a name on the screen in bold, and bold is kept for those: emphasis is in
italics, and a bold run-in heading opens a paragraph or a bullet (and is left out here). So
every other bold phrase must be words the portal shows: text of a template, a string of its
code (form labels, choices, messages), or a Django admin name. What a README says to press
or click must be a button's or a link's own words, as written.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
READMES = [ROOT / "README.md", *sorted(ROOT.glob("connections/platforms/*/README.md"))]
CODE = ("accounts", "api", "audit", "connections", "orders", "portal", "sandbox", "templates")
BOLD = re.compile(r"\*\*(?P<name>[^*]+?)\*\*")
BULLET = re.compile(r"^\s*(?:[*-]|\d+\.)\s+")
UNNUMBERED = re.compile(r"^\s*[*-]\s+")
PRESSED = re.compile(r"\b(?:press|presses|pressing|click|clicks|clicking)\s+\*\*(?P<name>[^*]+?)\*\*", re.I)
CONTROL = re.compile(
    r"<(?P<tag>button|a)\b[^>]*>(?P<text>.*?)</(?P=tag)>|<input\b[^>]*type=\"submit\"[^>]*value=\"(?P<value>[^\"]*)\"",
    re.S,
)


def plain(text: str) -> str:
    """Words as shown: template tags, HTML tags and entities dropped, white space collapsed."""
    text = re.sub(r"{%.*?%}|{{.*?}}|<[^>]+>|&[a-z]+;", " ", text, flags=re.S)
    return " ".join(text.split())


def items(readme: Path) -> list[str]:
    """The README's paragraphs and bullets, each on one line; code blocks left out."""
    found, current, in_code = [], [], False
    for line in readme.read_text().splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code or not line.strip() or BULLET.match(line) or line.lstrip().startswith(("#", "|")):
            found.append(" ".join(current))
            current = [] if (in_code or not line.strip() or line.lstrip().startswith(("#", "|"))) else [line]
            if line.lstrip().startswith("|"):
                found.append(line)
            continue
        current.append(line)
    found.append(" ".join(current))
    return [item for item in found if item.strip()]


def screen_names(readme: Path) -> list[str]:
    """Every bold phrase but a run-in heading (one that opens a paragraph or a bullet; a numbered
    step opens with what to open); `A → B` (a path through menus) as A and B."""
    names = []
    for item in items(readme):
        text = UNNUMBERED.sub("", item)
        for match in BOLD.finditer(text):
            if match.start() > 0:
                names.extend(" ".join(part.split()) for part in match["name"].split("→"))
    return names


@cache
def portal_words() -> str:
    """Every template, every string of the portal's code, and the admin's names of apps and models."""
    words = [plain(path.read_text()) for part in CODE for path in (ROOT / part).rglob("*.html")]
    for part in CODE:
        for path in (ROOT / part).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            words += [n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)]
    for config in apps.get_app_configs():
        words.append(str(config.verbose_name))
        words += [str(model._meta.verbose_name_plural).capitalize() for model in config.get_models()]
    return "\n".join(str(word) for word in words).casefold()


@cache
def control_words() -> set[str]:
    """The words of every button and link of the templates, and of every submit input."""
    found = set()
    for part in CODE:
        for path in (ROOT / part).rglob("*.html"):
            for match in CONTROL.finditer(path.read_text()):
                found.add(plain(match["text"] if match["value"] is None else match["value"]))
    return found


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_name_in_bold_is_shown_by_the_portal(readme):
    names = screen_names(readme)
    assert names, f"{readme} names nothing in bold"
    missing = sorted(
        {name for name in names if not re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", portal_words())}
    )
    assert not missing, f"{readme.relative_to(ROOT)} names what the portal never shows: {missing}"


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(ROOT)))
def test_what_a_readme_says_to_press_is_a_buttons_own_words(readme):
    text = " ".join(readme.read_text().split())
    pressed = [match["name"] for match in PRESSED.finditer(text)]
    wrong = sorted({name for name in pressed if name not in control_words()})
    assert not wrong, f"{readme.relative_to(ROOT)} says to press what no button or link says: {wrong}"
