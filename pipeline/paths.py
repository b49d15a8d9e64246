"""Where the bundled data lives: templates, profiles, fonts and the sample units."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates" / "mau"
PROFILES = TEMPLATES / "profiles"
FONTS = ROOT / "fonts"
FIXTURES = ROOT / "fixtures"
DEFAULT_SAMPLE = FIXTURES / "chi-bo-qd366"
