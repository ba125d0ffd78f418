"""The portal's look from ONE tokens file (``MEEMAKEN_THEME_FILE``, default ``gateway/theme/tokens.json``):
the municipality's name per language, its logo (a file beside the tokens) and its colours and font.

A municipality re-themes the portal by pointing at its own file: no code, no rebuild. The colours become
CSS custom properties (``--meemaken-color-*``) served at ``/theme.css``; ``static/meemaken.css`` maps them
onto the NL Design System components' tokens. A theme whose text colours do not reach WCAG's 4.5:1
contrast on their backgrounds is refused at start, before a resident sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_THEME = Path(__file__).resolve().parents[1] / "theme" / "tokens.json"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
REQUIRED = (
    "primary",
    "primary-text",
    "primary-hover",
    "text",
    "muted-text",
    "background",
    "subtle-background",
    "border",
    "link",
    "link-visited",
    "focus",
    "focus-text",
    "error",
    "success",
    "warning",
    "info",
)
# (foreground, background, least contrast): text must stay readable whatever the municipality picks.
CONTRASTS = (
    ("text", "background", 4.5),
    ("muted-text", "background", 4.5),
    ("text", "subtle-background", 4.5),
    ("link", "background", 4.5),
    ("link-visited", "background", 4.5),
    ("primary-text", "primary", 4.5),
    ("primary-text", "primary-hover", 4.5),
    ("focus-text", "focus", 4.5),
    ("error", "background", 4.5),
    ("success", "background", 4.5),
    ("warning", "background", 4.5),
    ("info", "background", 4.5),
    ("border", "background", 3.0),
)


class InvalidTheme(ValueError):
    """The tokens file is missing something, or its colours are not readable enough."""


@dataclass(frozen=True)
class Theme:
    names: Mapping[str, str]
    logo: Path
    colours: Mapping[str, str]
    font_family: str

    def name(self, language: str) -> str:
        return self.names.get(language) or next(iter(self.names.values()))

    def css(self) -> str:
        lines = [f"  --meemaken-color-{key}: {value};" for key, value in sorted(self.colours.items())]
        lines.append(f"  --meemaken-font-family: {self.font_family};")
        return ":root {\n" + "\n".join(lines) + "\n}\n"

    @classmethod
    def load(cls, path: Path | str | None = None) -> Theme:
        file = Path(path) if path else DEFAULT_THEME
        try:
            data = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise InvalidTheme(f"cannot read the theme {file}: {exc}") from None
        names = data.get("name")
        if isinstance(names, str):
            names = {"nl": names}
        if not isinstance(names, dict) or not names or not all(isinstance(v, str) and v for v in names.values()):
            raise InvalidTheme("the theme needs a name (a text, or one per language)")
        colours = data.get("color") or {}
        missing = [key for key in REQUIRED if not COLOUR.fullmatch(str(colours.get(key, "")))]
        if missing:
            raise InvalidTheme(f"the theme lacks these colours as #rrggbb: {', '.join(missing)}")
        for fore, back, least in CONTRASTS:
            ratio = contrast(colours[fore], colours[back])
            if ratio < least:
                raise InvalidTheme(f"{fore} on {back} has contrast {ratio:.2f}:1, WCAG AA needs {least}:1")
        logo = file.parent / str(data.get("logo", ""))
        if not data.get("logo") or not logo.is_file() or logo.suffix not in (".svg", ".png"):
            raise InvalidTheme("the theme's logo must be an .svg or .png file beside the tokens file")
        font = str(data.get("font-family") or "system-ui, sans-serif")
        if re.search(r"[;{}<>]", font):
            raise InvalidTheme("the font-family may not contain ; { } < >")
        return cls(dict(names), logo, {k: colours[k].lower() for k in REQUIRED}, font)


def contrast(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
