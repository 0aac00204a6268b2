"""Installing and removing add-ons with pip, into the environment refdesk itself runs in.

pip does the real work (building a folder or sdist, checking ``refdesk>=X,<Y``
against the installed refdesk, refusing what does not fit); refdesk asks it for a
JSON ``--report`` and turns that into a summary of what was installed.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from refdesk.errors import InvalidInputError, RefdeskError
from refdesk.plugins.api import ENTRY_POINT_GROUP, SITES_ENTRY_POINT_GROUP

_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2")


class InstallError(RefdeskError):
    """pip refused or failed; the message carries pip's own explanation."""


@dataclass(frozen=True)
class Installed:
    name: str
    version: str
    requested: bool
    summary: str = ""
    requires_refdesk: str = ""


@dataclass
class InstallSummary:
    spec: str
    dry_run: bool
    packages: list[Installed] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)  # entry-point names the requested distributions declare
    #: add-on name -> "enrich" or "site" (its entry-point group), for the add-ons in ``plugins``
    kinds: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: add-on name -> why it cannot run, found by loading it as refdesk would once installed (it stays installed)
    problems: dict[str, str] = field(default_factory=dict)
    editable: bool = False

    @property
    def ok(self) -> bool:
        """Installed and every add-on it provides can run."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "dry_run": self.dry_run,
            "editable": self.editable,
            "packages": [p.__dict__ for p in self.packages],
            "plugins": self.plugins,
            "kinds": self.kinds,
            "warnings": self.warnings,
            "problems": self.problems,
            "ok": self.ok,
        }

    def text(self) -> str:
        verb = "Would install" if self.dry_run else "Installed"
        lines = []
        main = [p for p in self.packages if p.requested]
        deps = [p for p in self.packages if not p.requested]
        for p in main:
            needs = f" (needs {p.requires_refdesk})" if p.requires_refdesk else ""
            lines.append(f"{verb} {p.name} {p.version}{needs}" + (f": {p.summary}" if p.summary else ""))
        if deps:
            lines.append("  with dependencies: " + ", ".join(f"{p.name} {p.version}" for p in deps))
        if not self.packages:
            lines.append(f"Nothing to install for {self.spec}: already installed at that version")
        if self.editable and main:
            lines.append("  editable: the add-on runs from its folder; a change there takes effect at refdesk's next start")
        if self.plugins:
            lines.append("  add-ons: " + ", ".join(f"{n} (site)" if self.kinds.get(n) == "site" else n for n in self.plugins))
        lines.extend(f"  warning: {w}" for w in self.warnings)
        for name, why in self.problems.items():
            lines.append(f"  but {name} {why}")
        if self.problems:
            names = " ".join(self.problems)
            again = "fix it in its folder" if self.editable else "fix it and install it again"
            lines.append(f"It stays installed and is listed by `refdesk plugins list`, but refdesk will not run it: "
                         f"{again}, or remove it with `refdesk plugins uninstall {names}`.")
        return "\n".join(lines)


def resolve_spec(spec: str) -> str:
    """A folder with a pyproject.toml/setup.py, a wheel or an sdist, as an absolute path; or a clear error."""
    path = Path(spec).expanduser()
    if path.is_dir():
        if not ((path / "pyproject.toml").exists() or (path / "setup.py").exists()):
            raise InvalidInputError(f"{spec} is a folder without pyproject.toml or setup.py: not a Python project")
        return str(path.resolve())
    if path.is_file():
        if not spec.lower().endswith(_ARCHIVES):
            raise InvalidInputError(f"{spec} is neither a wheel (.whl) nor a source archive (.tar.gz, .zip)")
        return str(path.resolve())
    if spec.lower().endswith(_ARCHIVES) or "/" in spec or spec.startswith("."):
        raise InvalidInputError(f"No such file or folder: {spec}")
    return spec  # a requirement such as "refdesk-foo>=1", for pip to find in its index


def pip_base(python: str | None = None) -> list[str]:
    """refdesk's own pip; ``python`` points it at another environment (pip's ``--python``), e.g. a throwaway venv."""
    base = [sys.executable, "-m", "pip"]
    return base if python in (None, sys.executable) else [*base, "--python", str(python)]


def pip_install_command(
    spec: str, report: Path, *, python: str | None = None, dry_run: bool = False, build_isolation: bool = True,
    no_deps: bool = False, target: Path | None = None, no_index: bool = False, extra: list[str] | None = None,
    editable: bool = False,
) -> list[str]:
    cmd = [*pip_base(python), "install", "--disable-pip-version-check", "--no-input", "--report", str(report)]
    if editable:
        return [*cmd, *_options(dry_run, build_isolation, no_deps, no_index, target), *(extra or []), "-e", spec]
    return [*cmd, *_options(dry_run, build_isolation, no_deps, no_index, target), *(extra or []), spec]


def _options(dry_run: bool, build_isolation: bool, no_deps: bool, no_index: bool, target: Path | None) -> list[str]:
    cmd: list[str] = []
    if dry_run:
        cmd.append("--dry-run")
    if not build_isolation:
        cmd.append("--no-build-isolation")
    if no_deps:
        cmd.append("--no-deps")
    if no_index:
        cmd.append("--no-index")
    if target is not None:
        cmd += ["--target", str(target)]
    return cmd


_REFDESK_RANGE = re.compile(r"(?<![\w-])refdesk\s*((?:[<>=!~]=?\s*[\w.*+]+\s*,?\s*)+)", re.IGNORECASE)


def _pip_failure(proc: subprocess.CompletedProcess[str], what: str) -> InstallError:
    text = proc.stderr or proc.stdout or ""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR") or "error" in ln.lower()] or lines
    detail = "\n".join(errors[-8:]) or f"pip exited with status {proc.returncode}"
    wanted = _REFDESK_RANGE.search("\n".join(errors))
    if wanted is not None:  # pip names no installed version ("from versions: none"): say which refdesk this is
        from refdesk import __version__

        needs = re.sub(r"\s+", "", wanted.group(1)).rstrip(",")
        return InstallError(f"The add-on needs refdesk{needs}, but this is refdesk {__version__}: install an add-on "
                            f"release made for refdesk {__version__}. pip could not {what}:\n{detail}")
    return InstallError(f"pip could not {what}:\n{detail}")


def _refdesk_requirement(requires: list[str]) -> str:
    for req in requires:
        name = req.split(";")[0].strip()
        if name.lower().startswith("refdesk") and not name.lower().startswith("refdesk-") and not name.lower().startswith("refdesk_"):
            return name
    return ""


def summarize(report: dict[str, Any], spec: str, dry_run: bool) -> InstallSummary:
    summary = InstallSummary(spec=spec, dry_run=dry_run)
    for item in report.get("install", []):
        meta = item.get("metadata", {})
        summary.packages.append(
            Installed(
                name=str(meta.get("name", "?")),
                version=str(meta.get("version", "?")),
                requested=bool(item.get("requested")),
                summary=str(meta.get("summary", "") or ""),
                requires_refdesk=_refdesk_requirement(list(meta.get("requires_dist", []) or [])),
            )
        )
    for p in summary.packages:
        if p.requested and not p.requires_refdesk:
            summary.warnings.append(f"{p.name} does not declare which refdesk it needs (refdesk>=X,<Y)")
    return summary


def _entry_points_of(name: str, target: Path | None = None) -> dict[str, str]:
    """The add-ons (name -> kind) an installed distribution declares, in both entry-point groups."""
    from refdesk.plugins.host import KINDS

    importlib.invalidate_caches()
    wanted = name.lower().replace("_", "-")
    dists = metadata.distributions(path=[str(target)]) if target is not None else metadata.distributions()
    dist = next((d for d in dists if str(d.metadata["Name"]).lower().replace("_", "-") == wanted), None)
    if dist is None:
        return {}
    return {ep.name: KINDS[ep.group] for ep in sorted(dist.entry_points, key=lambda e: e.name) if ep.group in KINDS}


def install(
    spec: str, *, python: str | None = None, dry_run: bool = False, build_isolation: bool = True, no_deps: bool = False,
    target: Path | None = None, no_index: bool = False, timeout: float = 900, editable: bool | None = None,
) -> InstallSummary:
    """pip-install an add-on (folder, wheel, sdist or requirement) into refdesk's environment, then load it as
    refdesk would: ``summary.problems`` says why an add-on it provides cannot run (it stays installed).

    A folder is installed editable (``pip install -e``) unless ``editable=False``. ``python`` or ``target``
    (a folder, pip's ``--target``; never editable) install elsewhere instead, e.g. a throwaway environment in
    tests; ``no_index`` keeps pip off the package index.
    """
    resolved = resolve_spec(spec)
    if editable is None:
        editable = target is None and Path(resolved).is_dir()
    if editable and not Path(resolved).is_dir():
        raise InvalidInputError(f"{spec} is not a folder: only a project folder can be installed editable")
    if editable and target is not None:
        raise InvalidInputError("An editable install cannot go to a --target folder")
    with tempfile.TemporaryDirectory(prefix="refdesk-pip-") as tmp:
        report_file = Path(tmp) / "report.json"
        cmd = pip_install_command(resolved, report_file, python=python, dry_run=dry_run, build_isolation=build_isolation,
                                  no_deps=no_deps, target=target, no_index=no_index, editable=editable)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InstallError(f"pip did not finish installing {spec} within {timeout:g} s") from None
        if proc.returncode != 0:
            raise _pip_failure(proc, f"install {spec}")
        report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    summary = summarize(report, spec, dry_run)
    summary.editable = editable
    if dry_run:
        return summary
    ours = python in (None, sys.executable)
    for p in summary.packages:
        if not p.requested:
            continue
        found = _entry_points_of(p.name, target) if ours else {}
        summary.plugins.extend(found)
        summary.kinds.update(found)
        if ours and not found:
            summary.warnings.append(f"{p.name} declares no '{ENTRY_POINT_GROUP}' or '{SITES_ENTRY_POINT_GROUP}' entry point: "
                                    "it is not a refdesk add-on")
        if ours:
            _activate(p.name, target)
    if summary.plugins or not ours:
        summary.problems.update(check_loads(summary, python=python, target=target))
    return summary


#: Run with the environment's Python: load the add-ons (both kinds) of the named distributions as refdesk would
#: and print their names, kinds and why each that cannot run cannot.
_CHECK = """
import json, sys
from importlib import metadata
from refdesk.config import Settings
from refdesk.plugins.host import KINDS, PluginHost
key = lambda name: str(name).lower().replace("_", "-")
dists = {key(n) for n in sys.argv[1:]}
eps = [ep for group in KINDS for ep in metadata.entry_points(group=group)
       if ep.dist is not None and key(ep.dist.metadata["Name"]) in dists]
infos = PluginHost(Settings(), entry_points=eps).infos()
print(json.dumps({"plugins": [i.name for i in infos], "kinds": {i.name: i.kind for i in infos},
                  "problems": {i.name: i.message for i in infos if not i.compatible}}))
"""


def check_loads(summary: InstallSummary, *, python: str | None = None, target: Path | None = None) -> dict[str, str]:
    """Load the add-ons just installed in a fresh interpreter of that environment, as refdesk's next start will
    (an import error, a wrong API version or hook is found now, not at the next ``refdesk enrich``)."""
    names = [p.name for p in summary.packages if p.requested]
    env = dict(os.environ)
    if target is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), env.get("PYTHONPATH", "")) if p)
    try:
        proc = subprocess.run([python or sys.executable, "-c", _CHECK, *names], capture_output=True, text=True,
                              timeout=120, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        summary.warnings.append(f"could not check that the add-on loads: {exc}")
        return {}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        summary.warnings.append(f"could not check that the add-on loads with {python or sys.executable}: {last}")
        return {}
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    summary.plugins.extend(n for n in found["plugins"] if n not in summary.plugins)
    summary.kinds.update(found.get("kinds", {}))
    return dict(found["problems"])


def _activate(name: str, target: Path | None) -> None:
    """Make a distribution installed in this process's environment importable at once: an editable install's
    ``.pth`` file is otherwise read only at the next start."""
    import site

    if target is not None:
        return
    wanted = name.lower().replace("_", "-")
    dist = next((d for d in metadata.distributions() if str(d.metadata["Name"]).lower().replace("_", "-") == wanted), None)
    if dist is None:
        return
    for file in dist.files or []:
        if file.suffix == ".pth":
            located = Path(str(dist.locate_file(file)))
            try:
                site.addpackage(str(located.parent), located.name, None)
            except Exception:  # a .pth this process cannot run: the next start reads it anyway
                continue
    importlib.invalidate_caches()


def uninstall(distribution: str, *, python: str | None = None, timeout: float = 300) -> str:
    """pip-uninstall one add-on distribution; refdesk itself is refused."""
    if distribution.lower() in ("refdesk", "pip", "setuptools"):
        raise InvalidInputError(f"Refusing to uninstall {distribution}: it is not an add-on")
    cmd = [*pip_base(python), "uninstall", "--disable-pip-version-check", "--no-input", "-y", distribution]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise _pip_failure(proc, f"uninstall {distribution}")
    importlib.invalidate_caches()
    return f"Uninstalled {distribution}"
