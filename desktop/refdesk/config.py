"""Settings: a TOML file in the platform config dir, overridden by REFDESK_* variables.

Every service base URL is a setting and an environment variable so tests and
users can point refdesk at another server. Secrets never live here: the Zotero
API key is only in the OS keyring.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Mapping
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
    ncbi_eutils_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"  # PubMed/PMC ids in an address -> DOI
    zotero_api_url: str = "https://api.zotero.org"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_body_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 10
    retries: int = 3
    retry_backoff: float = 0.5  # seconds before the first retry, doubled each time
    max_retry_wait: float = 120.0  # a longer Retry-After fails at once with a clear message
    per_host_limit: int = 4
    #: ``[min_interval]``: seconds between the starts of two requests to one host (``"api.crossref.org" = 0.02``,
    #: or ``"host:port"``), a service's published rate; both HTTP stacks keep it (refdesk/retry.py ``Pacer``).
    min_interval: dict[str, float] = field(default_factory=dict)
    http_cache: bool = True
    http_cache_ttl: float = 86400.0  # seconds an answer without Cache-Control stays fresh
    http_cache_max_mb: float = 200.0  # disk the HTTP cache may use; least recently used answers go first (0: no cap)
    plugin_timeout: float = 30.0
    disabled_plugins: list[str] = field(default_factory=list)
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    zotero_user_id: str = ""
    zotero_groups: list[str] = field(default_factory=list)
    backup_keep: int = 5  # backups of the library kept in <library folder>/backups (the oldest go first)
    backup_interval_hours: float = 24.0  # a backup when the library is opened this long after the newest (0: never)

    def plugin_settings_for(self, name: str) -> dict[str, Any]:
        """The ``[plugin_settings.<name>]`` table of one add-on (its name compared as ``plugin_name_key``)."""
        found: dict[str, Any] = {}
        for table, values in self.plugin_settings.items():
            if plugin_name_key(table) == plugin_name_key(name) and isinstance(values, dict):
                found.update(values)
        return found

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
    "backup_keep": (1, True),
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
    if isinstance(current, dict):  # min_interval: "api.crossref.org=0.02,api.zotero.org=1"
        pairs = [p.split("=", 1) for p in raw.split(",") if p.strip()]
        return _host_seconds(dict(pairs) if all(len(p) == 2 for p in pairs) else None)
    return raw


def _host_seconds(value: Any) -> dict[str, float]:
    """A ``[min_interval]`` table: host names to seconds, 0 or more; ValueError naming the expected form."""
    expected = 'host = seconds pairs, like "api.crossref.org" = 0.02 (in the environment: api.crossref.org=0.02,...)'
    if not isinstance(value, dict):
        raise ValueError(expected)
    out: dict[str, float] = {}
    for host, seconds in value.items():
        if isinstance(seconds, str):
            try:
                seconds = float(seconds)
            except ValueError:
                raise ValueError(expected) from None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not str(host).strip() or not seconds >= 0:
            raise ValueError(expected)
        out[str(host).strip().lower()] = float(seconds)
    return out


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
    if name == "min_interval":
        value = _host_seconds(value)
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
    _apply_plugin_overrides(settings, env)
    return settings


#: ``REFDESK_PLUGIN_<NAME>__<KEY>`` sets one key of ``[plugin_settings.<name>]`` for one run.
PLUGIN_ENV_PREFIX = "REFDESK_PLUGIN_"
_PLUGIN_ENV_EXAMPLE = "REFDESK_PLUGIN_MY_SOURCE__BASE_URL=http://127.0.0.1:8000 sets base_url of the add-on my-source"


def plugin_name_key(name: str) -> str:
    """An add-on name as compared everywhere: case, '-' and '_' do not matter (MY_SOURCE is my-source)."""
    return name.strip().lower().replace("_", "-")


def _apply_plugin_overrides(settings: Settings, env: Mapping[str, str]) -> None:
    """Per-run overrides of add-on settings from ``REFDESK_PLUGIN_<NAME>__<KEY>`` variables.

    Two underscores part the add-on's name from the key, because both may contain one (my_source, base_url),
    and so ``REFDESK_PLUGIN_TIMEOUT`` (refdesk's own ``plugin_timeout``) is never read as an add-on's.
    A variable of this family that cannot be read is an error rather than silently ignored.
    """
    from refdesk.errors import InvalidInputError

    own = {f"REFDESK_{f.name.upper()}" for f in fields(Settings)} - {"REFDESK_PLUGIN_SETTINGS"}
    for var in sorted(env):
        if not var.upper().startswith(PLUGIN_ENV_PREFIX) or var.upper() in own:
            continue
        plugin, sep, key = var[len(PLUGIN_ENV_PREFIX):].partition("__")
        if var.upper() == "REFDESK_PLUGIN_SETTINGS" or not (sep and plugin.strip("_") and key.strip("_")):
            raise InvalidInputError(
                f"Environment variable {var} is not read: set one add-on setting per variable as "
                f"REFDESK_PLUGIN_<NAME>__<KEY>, two underscores between the add-on's name and the key "
                f"(e.g. {_PLUGIN_ENV_EXAMPLE})"
            )
        table_name = next((n for n in settings.plugin_settings if plugin_name_key(n) == plugin_name_key(plugin)),
                          plugin_name_key(plugin))
        table = dict(settings.plugin_settings.get(table_name) or {})
        key_name = next((k for k in table if k.lower() == key.lower()), key.lower())
        try:
            table[key_name] = _plugin_value(table.get(key_name), env[var])
        except ValueError as exc:
            raise InvalidInputError(f"Environment variable {var} must be {exc} (as {key_name} in the settings "
                                    f"file is), got {env[var]!r}") from None
        settings.plugin_settings[table_name] = table


def _plugin_value(current: Any, raw: str) -> Any:
    """An add-on setting's text: of the type the settings file gives the key; else a TOML number, boolean or
    array when it reads as one (0.4, true, ["a", "b"]); else the text itself."""
    if isinstance(current, bool | int | float | list):
        if isinstance(current, list) and raw.strip().startswith("["):
            return _toml_literal(raw, list)
        return _coerce(current, raw)
    if current is not None:
        return raw
    try:
        return _toml_literal(raw, bool | int | float | list)
    except ValueError:
        return raw


def _toml_literal(raw: str, kind: Any) -> Any:
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        raise ValueError("a TOML array, like [\"a\", \"b\"]") from None
    if not isinstance(value, kind):
        raise ValueError("a TOML array, like [\"a\", \"b\"]")
    return value


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
    """Change one top-level setting in the TOML file and nothing else: the user's comments, key order,
    tables and quoting stay as written (tomlkit edits the document in place). The new text is written
    to a temporary file beside it and renamed over it, so a crash leaves the old file or the new one."""
    if name not in {f.name for f in fields(Settings)}:
        raise KeyError(name)
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from refdesk.errors import InvalidInputError

    file = path or settings_file()
    text = file.read_text(encoding="utf-8") if file.exists() else ""
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise InvalidInputError(f"Settings file {file} is not valid TOML, so {name} was not saved: {exc}") from None
    current = doc.get(name)
    if file.exists() and current is not None and _plain(current) == value:
        return  # already so: the file is not rewritten
    if isinstance(current, tomlkit.items.Array) and isinstance(value, list):
        current.clear()  # in place: a comment after the closing bracket stays
        current.extend(value)
    elif current is not None:
        doc[name] = value  # replaced where it stands; a comment after it stays
    else:
        _add_top_level(doc, name, value)
    _write_atomically(file, tomlkit.dumps(doc))


def _add_top_level(doc: Any, name: str, value: Any) -> None:
    """A new top-level key goes right after the last top-level key, not after the comment that heads the
    first table (tomlkit's own ``doc[name] = value`` puts it there, splitting the comment from its table)."""
    import tomlkit

    plain = (tomlkit.items.Table, tomlkit.items.AoT, tomlkit.items.Whitespace, tomlkit.items.Comment)
    last = [i for i, (key, item) in enumerate(doc.body) if key is not None and not isinstance(item, plain)]
    insert_at = getattr(doc, "_insert_at", None)  # tomlkit's, private; without it the key still lands correctly
    if last and callable(insert_at) and last[-1] + 1 < len(doc.body):
        insert_at(last[-1] + 1, name, value)
    else:  # no key yet, or the last key ends the file (tomlkit refuses to insert past its end): append
        doc[name] = value


def _plain(item: Any) -> Any:
    """A tomlkit item as the plain Python value it stands for."""
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if callable(unwrap) else item


def _write_atomically(file: Path, text: str) -> None:
    """Write ``text`` to a temporary file in ``file``'s folder, flush it to disk, rename it over ``file``."""
    import tempfile

    file.parent.mkdir(parents=True, exist_ok=True)
    mode = file.stat().st_mode & 0o777 if file.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
