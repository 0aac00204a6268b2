"""`plugins new` writes an add-on whose own test passes; `plugins install` pip-installs it (into a throwaway folder here)."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from refdesk.config import load_settings
from refdesk.errors import InvalidInputError
from refdesk.plugins import install
from refdesk.plugins.api import ENTRY_POINT_GROUP, PluginContext, RecordView
from refdesk.plugins.host import PluginHost
from refdesk.plugins.scaffold import refdesk_range

from .conftest import make_wheel


def test_new_writes_an_add_on_whose_own_test_passes(tmp_path: Path, cli: Any) -> None:
    out = cli("plugins", "new", "my-source", "--dir", str(tmp_path))
    assert out.code == 0, out.err
    root = tmp_path / "refdesk-my-source"
    assert (root / "README.md").exists() and (root / "src/refdesk_my_source/plugin.py").exists()
    assert f"{sys.executable} -m pytest" in out.out  # the Python the add-on's tests run with: refdesk's
    assert "__pycache__/" in (root / ".gitignore").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for written in ["pyproject.toml", "src/refdesk_my_source/plugin.py", "tests/test_refdesk_my_source.py", ".gitignore",
                    "refdesk plugins install .", "REFDESK_PLUGIN_MY_SOURCE__BASE_URL", "the Python refdesk runs on"]:
        assert written in readme, written
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"{refdesk_range()}"' in pyproject and '[project.entry-points."refdesk.plugins"]' in pyproject
    assert 'my-source = "refdesk_my_source.plugin"' in pyproject
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
    again = cli("plugins", "new", "my-source", "--dir", str(tmp_path))
    assert again.code == 2 and "already exists" in again.err
    assert cli("plugins", "new", "Bad Name!", "--dir", str(tmp_path)).code == 2


def test_refdesk_range() -> None:
    assert refdesk_range("0.1.0") == "refdesk>=0.1,<0.2"
    assert refdesk_range("1.4.2") == "refdesk>=1.4,<2"


def test_install_into_a_throwaway_folder_then_discover_and_run(tmp_path: Path) -> None:
    from refdesk.plugins.scaffold import new_plugin

    root = new_plugin("throwaway", tmp_path)
    target = tmp_path / "site"
    summary = install.install(str(root), target=target, no_deps=True)
    assert [(p.name, p.version, p.requested) for p in summary.packages] == [("refdesk-throwaway", "0.1.0", True)]
    assert sorted(summary.packages[0].requires_refdesk.removeprefix("refdesk").split(",")) == ["<0.2", ">=0.1"]
    assert summary.plugins == ["throwaway"] and summary.warnings == []
    assert summary.text().startswith("Installed refdesk-throwaway 0.1.0 (needs refdesk")
    eps = [ep for d in metadata.distributions(path=[str(target)]) for ep in d.entry_points if ep.group == ENTRY_POINT_GROUP]
    sys.path.insert(0, str(target))
    try:
        host = PluginHost(load_settings(), entry_points=eps)
        (info,) = host.infos()
        assert info.name == "throwaway" and info.compatible and info.distribution == "refdesk-throwaway"
        (name, pm), = host.runnable()
        record = RecordView.from_data({"itemType": "journalArticle", "title": "x"})
        assert pm.hook.enrich(record=record, context=PluginContext.for_tests(name)) == []  # no DOI: nothing to do
    finally:
        sys.path.remove(str(target))
        for mod in [m for m in sys.modules if m.startswith("refdesk_throwaway")]:
            del sys.modules[mod]


def test_install_dry_run_summary_and_incompatible_add_on(tmp_path: Path, cli: Any) -> None:
    wheel = make_wheel(tmp_path, "dry", ["refdesk>=0.1,<0.2"])
    out = cli("plugins", "install", str(wheel), "--dry-run", "--json")
    assert out.code == 0, out.err
    report = out.json()
    assert report["dry_run"] and [(p["name"], p["summary"]) for p in report["packages"]] == [("refdesk-dry", "A hand-made test add-on")]
    text = cli("plugins", "install", str(wheel), "--dry-run").out
    assert text.startswith("Would install refdesk-dry 0.1.0 (needs refdesk")

    future = make_wheel(tmp_path, "future", ["refdesk>=9,<10"])
    with pytest.raises(install.InstallError, match=r"No matching distribution found for refdesk<10,>=9"):
        install.install(str(future), dry_run=True, no_index=True)


def test_bad_specs_are_refused_plainly(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="neither a wheel"):
        install.resolve_spec(str(tmp_path / "notes.txt"))
    with pytest.raises(InvalidInputError, match=r"without pyproject\.toml"):
        install.resolve_spec(str(tmp_path))
    out = cli("plugins", "install", str(tmp_path / "missing.whl"))
    assert out.code == 2 and "No such file or folder" in out.err
    with pytest.raises(InvalidInputError, match="not an add-on"):
        install.uninstall("refdesk")
    assert install.pip_install_command("/x", Path("/r.json"), dry_run=True)[:4] == [sys.executable, "-m", "pip", "install"]


def test_install_and_uninstall_in_a_throwaway_venv(tmp_path: Path) -> None:
    import venv

    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    python = str(env / "bin" / "python")
    wheel = make_wheel(tmp_path, "roundtrip", ["refdesk>=0.1,<0.2"])

    def entry_points() -> str:
        probe = "import importlib.metadata as m; print(sorted(e.name for e in m.entry_points(group='refdesk.plugins')))"
        return subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True, timeout=60).stdout.strip()

    summary = install.install(str(wheel), python=python, no_deps=True, no_index=True)
    assert [p.name for p in summary.packages] == ["refdesk-roundtrip"]
    assert entry_points() == "['roundtrip']"
    assert install.uninstall("refdesk-roundtrip", python=python) == "Uninstalled refdesk-roundtrip"
    assert entry_points() == "[]"


BROKEN = {
    "syntax": 'REFDESK_API_VERSION = "1.0"\nfrom refdesk.plugins.api import hookimpl\n@hookimpl\ndef enrich(record, context)\n    return None\n',
    "future": 'REFDESK_API_VERSION = "2.0"\nfrom refdesk.plugins.api import hookimpl\n@hookimpl\ndef enrich(record, context):\n    return None\n',
    "unversioned": 'from refdesk.plugins.api import hookimpl\n@hookimpl\ndef enrich(record, context):\n    return None\n',
    "signature": 'REFDESK_API_VERSION = "1.0"\nfrom refdesk.plugins.api import hookimpl\n@hookimpl\ndef enrich(record, ctx):\n    return None\n',
    "fine": 'REFDESK_API_VERSION = "1.0"\nfrom refdesk.plugins.api import hookimpl\n@hookimpl\ndef enrich(record, context):\n    return None\n',
}


def test_install_loads_the_add_ons_as_refdesk_would_and_says_why_one_cannot_run(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "broken", ["refdesk>=0.1,<0.2"], modules=BROKEN)
    summary = install.install(str(wheel), target=tmp_path / "site", no_deps=True, no_index=True)
    assert sorted(summary.plugins) == sorted(BROKEN) and not summary.ok
    problems = summary.problems
    assert set(problems) == {"syntax", "future", "unversioned", "signature"}  # "fine" runs
    assert problems["syntax"].startswith("cannot run: failed to load refdesk_broken.syntax: SyntaxError: ")
    assert "syntax.py, line 4)" in problems["syntax"]
    assert "needs plugin API 2.0" in problems["future"]
    assert "does not declare REFDESK_API_VERSION" in problems["unversioned"]
    assert "the hook enrich(record, ctx) asks for ctx" in problems["signature"]
    text = summary.text()
    assert text.startswith("Installed refdesk-broken 0.1.0")
    assert "  but future cannot run: needs plugin API 2.0" in text
    assert "It stays installed and is listed by `refdesk plugins list`, but refdesk will not run it" in text
    assert summary.to_json()["ok"] is False


def test_plugins_install_exits_1_when_the_add_on_cannot_run(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools

    from refdesk.plugins import manager

    wheel = make_wheel(tmp_path, "later", ["refdesk>=0.1,<0.2"], modules={"later": BROKEN["future"]})
    monkeypatch.setattr(manager._install, "install",
                        functools.partial(install.install, target=tmp_path / "site", no_deps=True, no_index=True))
    out = cli("plugins", "install", str(wheel), "--no-editable")
    assert out.code == 1 and "but later cannot run: needs plugin API 2.0" in out.out
    assert cli("plugins", "install", str(wheel), "--json", "--no-editable").json()["problems"]["later"].startswith("cannot run:")


def test_a_folder_is_installed_editable(tmp_path: Path) -> None:
    """`plugins install FOLDER` is `pip install -e FOLDER`: a change in the folder is what refdesk runs next."""
    import sysconfig
    import venv

    from refdesk.plugins.scaffold import new_plugin

    assert install.pip_install_command("/x", Path("/r.json"), editable=True)[-2:] == ["-e", "/x"]
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    python = str(env / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True,
                          text=True, check=True, timeout=60).stdout.strip()
    import refdesk

    here = [sysconfig.get_paths()["purelib"], str(Path(refdesk.__file__).parents[1])]  # refdesk and what it needs
    Path(site, "refdesk-main.pth").write_text("\n".join(here) + "\n", encoding="utf-8")
    root = new_plugin("live", tmp_path)

    summary = install.install(str(root), python=python, no_deps=True, no_index=True, build_isolation=False)
    assert summary.editable and summary.ok and summary.plugins == ["live"], summary.text()
    assert "editable: the add-on runs from its folder" in summary.text()
    plugin = root / "src" / "refdesk_live" / "plugin.py"
    plugin.write_text(plugin.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    probe = ("from refdesk.config import Settings; from refdesk.plugins.host import PluginHost; "
             "h = PluginHost(Settings()); i = h.find('live').info; import refdesk_live.plugin as p; print(i.origin, p.EDITED)")
    seen = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60).stdout.strip()
    assert seen == f"editable: {root.resolve()} True"


def test_a_refdesk_range_that_excludes_this_refdesk_names_this_version(tmp_path: Path) -> None:
    from refdesk import __version__

    future = make_wheel(tmp_path, "future", ["refdesk>=9,<10"])
    with pytest.raises(install.InstallError) as raised:
        install.install(str(future), dry_run=True, no_index=True)
    assert str(raised.value).startswith(f"The add-on needs refdesk<10,>=9, but this is refdesk {__version__}")
