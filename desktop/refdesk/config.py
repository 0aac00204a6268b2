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


# Settings whose value must be at least this (timeouts of 0 would fail every request; a per-host limit of 0 would
# never let one start); every other number must be 0 or more.
_MINIMUM: dict[str, tuple[float, bool]] = {  # name: (bound, the bound itself allowed)
    "connect_timeout": (0, False),
    "read_timeout": (0, False),
    "plugin_timeout": (0, False),
    "per_host_limit": (1, True),
}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _coerce(current: Any, raw: str) -> Any:
    """An environment variable's text as the type of the setting's default; ValueError if it is not one."""
    if isinstance(current, bool):
        word = raw.strip().lower()
        if word not in _TRUE + _FALSE:
            raise ValueError("true or false (1/0, yes/no, on/off)")
        return word in _TRUE
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError("a whole number") from None
    if isinstance(current, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError("a number") from None
    if isinstance(current, list):
        return [p.strip() for p in raw.split(",") if p.strip()]
    return raw


def _checked(name: str, default: Any, value: Any) -> Any:
    """A settings-file value of the default's type (an int where a float is expected is fine), in range;
    ValueError naming what was expected."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError("true or false")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("a whole number")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("a number")
        value = float(value)
    elif isinstance(default, str):  # a number is fine where text is expected (zotero_user_id = 475425)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError("text (in quotes)")
        value = str(value)
    elif isinstance(default, list):
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, str | int) for v in value):
            raise ValueError('a list of texts, like ["a", "b"]')
        value = [str(v) for v in value]
    elif isinstance(default, dict) and not isinstance(value, dict):
        raise ValueError("a table")
    _check_range(name, value)
    return value


def _check_range(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    bound, inclusive = _MINIMUM.get(name, (0, True))
    if not inclusive and value <= bound:
        raise ValueError(f"greater than {bound}")
    if value < bound:
        raise ValueError(f"at least {bound}" if bound else "0 or more")


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the TOML file, then REFDESK_* environment variables."""
    env = os.environ if environ is None else environ
    settings = Settings()
    file = path or settings_file()
    from refdesk.errors import InvalidInputError

    if file.exists():
        try:
            values = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInputError(f"Settings file {file} is not valid TOML: {exc}") from None
        except UnicodeDecodeError:
            raise InvalidInputError(f"Settings file {file} cannot be read: it is not UTF-8 text") from None
        except IsADirectoryError:
            raise InvalidInputError(f"Settings file {file} cannot be read: it is a folder, not a file") from None
        except OSError as exc:
            raise InvalidInputError(f"Settings file {file} cannot be read: {exc.strerror or exc}") from None
        for f in fields(Settings):
            if f.name in values:
                try:
                    value = _checked(f.name, getattr(settings, f.name), values[f.name])
                except ValueError as exc:
                    raise InvalidInputError(
                        f"Settings file {file}: {f.name} must be {exc}, got {_toml_value(values[f.name])}"
                    ) from None
                setattr(settings, f.name, value)
    for f in fields(Settings):
        name = f"REFDESK_{f.name.upper()}"
        raw = env.get(name)
        if raw is not None and f.name not in ("plugin_settings",):
            try:
                value = _coerce(getattr(settings, f.name), raw)
                _check_range(f.name, value)
            except ValueError as exc:
                raise InvalidInputError(f"Environment variable {name} must be {exc}, got {raw!r}") from None
            setattr(settings, f.name, value)
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
