"""The add-on docs cover the whole public surface: a name added to the plugin API, a setting, a hook or an
option of the add-on commands without a word in docs/plugin-authoring.md fails here (as datasette's
tests/test_docs.py does for its hooks)."""

from __future__ import annotations

import argparse
import inspect
import re
from dataclasses import fields
from pathlib import Path

import pytest
from refdesk.config import Settings
from refdesk.plugins import api

ROOT = Path(__file__).resolve().parents[2]
AUTHORING = (ROOT / "docs" / "plugin-authoring.md").read_text(encoding="utf-8")


def documented(name: str, text: str = AUTHORING) -> bool:
    """``name`` appears as code: in a code span (`name`, `get_json(url, ...)`, `record.issns`) or a fenced block."""
    word = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
    blocks = re.findall(r"^```.*?^```", text, re.MULTILINE | re.DOTALL)
    return re.search(rf"`[^`\n]*{word}[^`\n]*`", text) is not None or any(re.search(word, b) for b in blocks)


@pytest.mark.parametrize("name", api.__all__)
def test_every_public_name_of_the_plugin_api_is_documented(name: str) -> None:
    assert documented(name), f"refdesk.plugins.api.{name} is in __all__ but not in docs/plugin-authoring.md"


def _public(cls: type) -> list[str]:
    own = {n for n, v in vars(cls).items() if not n.startswith("_") and (callable(v) or isinstance(v, property | classmethod))}
    return sorted(own | ({f.name for f in fields(cls)} if hasattr(cls, "__dataclass_fields__") else set()))


@pytest.mark.parametrize(
    ("owner", "name"),
    [("PluginContext", n) for n in _public(api.PluginContext)]
    + [("RecordView", n) for n in _public(api.RecordView)]
    + [("PluginContext.for_tests", n) for n in inspect.signature(api.PluginContext.for_tests).parameters]
    + [("NetworkError", n) for n in ("url", "reason", "status")]
    + [("Suggestion", f.name) for f in fields(api.Suggestion)]
    + [("hook", n) for n, v in vars(api.EnrichSpec).items() if hasattr(v, "refdesk_spec")],
)
def test_every_attribute_parameter_and_hook_is_documented(owner: str, name: str) -> None:
    assert documented(name), f"{owner}: '{name}' is not in docs/plugin-authoring.md"


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_in_the_settings_table(name: str) -> None:
    table = AUTHORING[AUTHORING.index("refdesk's own settings"):AUTHORING.index("## The HTTP cache")]
    assert documented(name, table), f"setting '{name}' is missing from the settings table of docs/plugin-authoring.md"


def _subcommand(parser: argparse.ArgumentParser, *path: str) -> argparse.ArgumentParser:
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


@pytest.mark.parametrize("command", [("plugins", "install"), ("plugins", "new"), ("enrich",)])
def test_every_option_of_the_add_on_commands_is_documented(command: tuple[str, ...]) -> None:
    from refdesk.cli import build_parser

    parser = _subcommand(build_parser(), *command)
    options = [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
    missing = [o for o in options if not documented(o)]
    assert not missing, f"refdesk {' '.join(command)}: {missing} not in docs/plugin-authoring.md"


ADD_ONS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").exists() and (p / "src").is_dir())
_KEY = re.compile(r"""settings(?:\.get\(|\[)\s*["']([\w-]+)["']""")


@pytest.mark.parametrize("add_on", ADD_ONS, ids=lambda p: p.name)
def test_every_setting_a_shipped_add_on_reads_is_in_its_readme(add_on: Path) -> None:
    keys = {k for f in (add_on / "src").rglob("*.py") for k in _KEY.findall(f.read_text(encoding="utf-8"))}
    readme = (add_on / "README.md").read_text(encoding="utf-8")
    missing = sorted(k for k in keys if not documented(k, readme))
    assert not missing, f"{add_on.name} reads settings {missing} its README does not document"


def test_every_api_version_has_a_row_in_the_versions_table() -> None:
    table = AUTHORING[AUTHORING.index("## Compatibility and API versions"):AUTHORING.index("## Site add-ons")]
    major, minor = (int(p) for p in api.API_VERSION.split("."))
    rows = re.findall(r"^\| (\d+\.\d+) \|", table, re.MULTILINE)
    assert rows == [f"{major}.{m}" for m in range(minor + 1)], f"the table lists {rows}; plugin API is {api.API_VERSION}"
    assert f'REFDESK_API_VERSION = "{api.API_VERSION}"' in AUTHORING  # the examples declare the current version


@pytest.mark.parametrize("name", _public(api.SitePage))
def test_every_attribute_of_site_page_is_documented(name: str) -> None:
    assert documented(name), f"SitePage: '{name}' is not in docs/plugin-authoring.md"
