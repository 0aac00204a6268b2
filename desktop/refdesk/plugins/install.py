"""Installing and removing add-ons with pip, into the environment refdesk itself runs in.

pip does the real work (building a folder or sdist, checking ``refdesk>=X,<Y``
against the installed refdesk, refusing what does not fit); refdesk asks it for a
JSON ``--report`` and turns that into a summary of what was installed.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from refdesk.errors import InvalidInputError, RefdeskError
from refdesk.plugins.api import ENTRY_POINT_GROUP

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
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "dry_run": self.dry_run,
            "packages": [p.__dict__ for p in self.packages],
            "plugins": self.plugins,
            "warnings": self.warnings,
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
        if self.plugins:
            lines.append("  add-ons: " + ", ".join(self.plugins))
        lines.extend(f"  warning: {w}" for w in self.warnings)
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
) -> list[str]:
    cmd = [*pip_base(python), "install", "--disable-pip-version-check", "--no-input", "--report", str(report)]
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
    return [*cmd, *(extra or []), spec]


def _pip_failure(proc: subprocess.CompletedProcess[str], what: str) -> InstallError:
    lines = [ln for ln in (proc.stderr or proc.stdout or "").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR") or "error" in ln.lower()] or lines
    detail = "\n".join(errors[-8:]) or f"pip exited with status {proc.returncode}"
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


def _entry_points_of(name: str, target: Path | None = None) -> list[str]:
    importlib.invalidate_caches()
    wanted = name.lower().replace("_", "-")
    dists = metadata.distributions(path=[str(target)]) if target is not None else metadata.distributions()
    dist = next((d for d in dists if str(d.metadata["Name"]).lower().replace("_", "-") == wanted), None)
    if dist is None:
        return []
    return sorted(ep.name for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP)


def install(
    spec: str, *, python: str | None = None, dry_run: bool = False, build_isolation: bool = True, no_deps: bool = False,
    target: Path | None = None, no_index: bool = False, timeout: float = 900,
) -> InstallSummary:
    """pip-install an add-on (folder, wheel, sdist or requirement) into refdesk's environment.

    ``python`` or ``target`` (a folder, pip's ``--target``) install elsewhere instead, e.g. a throwaway
    environment in tests; ``no_index`` keeps pip off the package index.
    """
    resolved = resolve_spec(spec)
    with tempfile.TemporaryDirectory(prefix="refdesk-pip-") as tmp:
        report_file = Path(tmp) / "report.json"
        cmd = pip_install_command(resolved, report_file, python=python, dry_run=dry_run, build_isolation=build_isolation,
                                  no_deps=no_deps, target=target, no_index=no_index)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InstallError(f"pip did not finish installing {spec} within {timeout:g} s") from None
        if proc.returncode != 0:
            raise _pip_failure(proc, f"install {spec}")
        report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    summary = summarize(report, spec, dry_run)
    if not dry_run and python in (None, sys.executable):
        for p in summary.packages:
            if p.requested:
                found = _entry_points_of(p.name, target)
                summary.plugins.extend(found)
                if not found:
                    summary.warnings.append(f"{p.name} declares no '{ENTRY_POINT_GROUP}' entry point: it is not a refdesk add-on")
    return summary


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
