"""Settings: a TOML file in the platform config dir, overridden by REFDESK_* variables.

Every service base URL is a setting and an environment variable so tests and
users can point refdesk at another server. Secrets never live here: the Zotero
API key is only in the OS keyring.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

APP = "refdesk"


def config_dir() -> Path:
    return Path(os.environ.get("REFDESK_CONFIG_DIR") or platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("REFDESK_DATA_DIR") or platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    return Path(os.environ.get("REFDESK_CACHE_DIR") or platformdirs.user_cache_dir(APP))


@dataclass
class Settings:
    """All settings with their defaults; names match the TOML keys and REFDESK_<NAME> variables."""

    library: str = ""
    contact_email: str = ""
    crossref_api_url: str = "https://api.crossref.org"
    openalex_api_url: str = "https://api.openalex.org"
    doaj_api_url: str = "https://doaj.org/api"
    doi_resolver_url: str = "https://doi.org"
    zotero_api_url: str = "https://api.zotero.org"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_body_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 10
    retries: int = 3
    retry_backoff: float = 0.5  # seconds before the first retry, doubled each time
    max_retry_wait: float = 120.0  # a longer Retry-After fails at once with a clear message
    per_host_limit: int = 4
    http_cache: bool = True
    http_cache_ttl: float = 86400.0  # seconds an answer without Cache-Control stays fresh
    http_cache_max_mb: float = 200.0  # disk the HTTP cache may use; least recently used answers go first (0: no cap)
    plugin_timeout: float = 30.0
    disabled_plugins: list[str] = field(default_factory=list)
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    zotero_user_id: str = ""
    zotero_groups: list[str] = field(default_factory=list)

    def library_path(self) -> Path:
        return Path(self.library) if self.library else data_dir() / "library.sqlite"

    def cache_path(self) -> Path:
        return cache_dir()

    def user_agent(self) -> str:
        from refdesk import __version__

        contact = f"; mailto:{self.contact_email}" if self.contact_email else ""
        return f"refdesk/{__version__} (+https://github.com/refdesk/refdesk{contact})"


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def _coerce(current: Any, raw: str) -> Any:
    if isinstance(current, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    if isinstance(current, list):
        return [p.strip() for p in raw.split(",") if p.strip()]
    return raw


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the TOML file, then REFDESK_* environment variables."""
    env = os.environ if environ is None else environ
    settings = Settings()
    file = path or settings_file()
    if file.exists():
        from refdesk.errors import InvalidInputError

        try:
            values = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInputError(f"Settings file {file} is not valid TOML: {exc}") from None
        for f in fields(Settings):
            if f.name in values:
                setattr(settings, f.name, values[f.name])
    for f in fields(Settings):
        raw = env.get(f"REFDESK_{f.name.upper()}")
        if raw is not None and f.name not in ("plugin_settings",):
            setattr(settings, f.name, _coerce(getattr(settings, f.name), raw))
    return settings


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def save_setting(name: str, value: Any, path: Path | None = None) -> None:
    """Write one setting to the TOML file, keeping the others."""
    if name not in {f.name for f in fields(Settings)}:
        raise KeyError(name)
    file = path or settings_file()
    values: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
    values[name] = value
    file.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    tmp = file.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(file)
