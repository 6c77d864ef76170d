"""Where things live (platformdirs) and the user's settings (config.toml)."""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "negotiation-watch"
DB_ENV = "NEGOTIATION_WATCH_DB"
# Tests and portable installs point these at their own folders instead of the user's home.
CONFIG_DIR_ENV = "NEGOTIATION_WATCH_CONFIG_DIR"
DATA_DIR_ENV = "NEGOTIATION_WATCH_DATA_DIR"
CACHE_DIR_ENV = "NEGOTIATION_WATCH_CACHE_DIR"


def config_dir() -> Path:
    """The user's config folder: config.toml and taxonomy.d/ overrides."""
    return Path(os.environ.get(CONFIG_DIR_ENV) or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The user's data folder, home of the default database."""
    return Path(os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """The user's cache folder: the compiled taxonomy matcher, safe to delete."""
    return Path(os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir(APP_NAME))


def taxonomy_override_dir() -> Path:
    """Folder of the user's own taxonomy TOML files, merged over the bundled ones."""
    return config_dir() / "taxonomy.d"


def default_db_path() -> Path:
    """The database used when neither --db nor NEGOTIATION_WATCH_DB says otherwise."""
    return Path(os.environ.get(DB_ENV) or data_dir() / "negotiation-watch.db")


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass
class Settings:
    """User settings; every field has a default so a missing file is fine."""

    fetch_interval_seconds: int = 15 * 60
    concurrency: int = 16
    # "party:RUS", "track:normandy-format"; None until the user has a pinned set (the first
    # run picks defaults), [] once they unpinned everything (which must stay so)
    pinned: list[str] | None = None
    # [keys] in config.toml: binding id (shown on the help screen) -> keys, "ctrl+q" or "j,down"
    keys: dict[str, str] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)  # [[alert]] entries that are valid
    brief: BriefSettings = field(default_factory=lambda: BriefSettings())
    # sort = { "track:normandy-format" = "oldest" }: a pane's order when not newest first
    sort: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what could not be read, for the UI to show


ALERT_PLACEHOLDERS = ("title", "link", "tracks", "parties", "outlet", "published", "alert", "story")
ALERT_TIMEOUT = 10  # seconds a command may take unless its entry says otherwise
MAX_ALERT_TIMEOUT = 300


@dataclass(frozen=True)
class Alert:
    """An [[alert]] entry: a story matches when it has every condition given (any of the
    tracks, any of the parties, all the search words); `command` then runs once for it."""

    name: str
    tracks: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    search: str = ""
    command: tuple[str, ...] = ()
    timeout: int = ALERT_TIMEOUT
    bell: bool = False


@dataclass
class BriefSettings:
    """[brief]: how the dashboard's e key writes a brief."""

    format: str = "md"
    folder: Path | None = None  # None: the documents folder, or the data folder without one
    days: int = 90  # how far back a pane's or a search's brief goes; 0: everything stored


def load_settings(path: Path | None = None) -> Settings:
    """Read config.toml; a broken file is reported in `problems`, never raised."""
    path = path or config_path()
    settings = Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return settings
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        settings.problems.append(f"{path}: {exc}")
        return settings
    interval = raw.get("fetch_interval_seconds", settings.fetch_interval_seconds)
    if isinstance(interval, int) and interval >= 60:
        settings.fetch_interval_seconds = interval
    else:
        settings.problems.append(f"{path}: fetch_interval_seconds must be a whole number >= 60")
    concurrency = raw.get("concurrency", settings.concurrency)
    if isinstance(concurrency, int) and 1 <= concurrency <= 256:
        settings.concurrency = concurrency
    else:
        settings.problems.append(f"{path}: concurrency must be a whole number from 1 to 256")
    pinned = raw.get("pinned")
    if pinned is None or (isinstance(pinned, list) and all(isinstance(p, str) for p in pinned)):
        settings.pinned = pinned
    else:
        settings.problems.append(f"{path}: pinned must be a list of strings")
    sort = raw.get("sort", {})
    if isinstance(sort, dict) and all(isinstance(v, str) for v in sort.values()):
        settings.sort = dict(sort)
    else:
        settings.problems.append(f'{path}: sort must be a table like sort = {{ "party:RUS" = "oldest" }}')
    keys = raw.get("keys", {})
    if isinstance(keys, dict):
        for binding_id, value in keys.items():
            if isinstance(value, str) and value.strip():
                settings.keys[binding_id] = value.strip()
            else:
                settings.problems.append(f'{path}: [keys] "{binding_id}" must be a key like "ctrl+q" or "j,down"')
    else:
        settings.problems.append(f"{path}: keys must be a table: [keys] then lines like \"app.quit\" = \"ctrl+q\"")
    settings.alerts = _read_alerts(raw.get("alert", []), path, settings.problems)
    settings.brief = _read_brief(raw.get("brief", {}), path, settings.problems)
    return settings


_ALERT_KEYS = {"name", "track", "party", "search", "command", "timeout", "bell"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")  # {title} in a command's argument; other braces stay as typed


def _read_alerts(entries, path: Path, problems: list[str]) -> list[Alert]:
    """The valid [[alert]] entries; each bad one is reported with its number and why."""
    if not isinstance(entries, list):
        problems.append(f"{path}: alert must be written as [[alert]] tables")
        return []
    alerts, names = [], set()
    for number, entry in enumerate(entries, 1):
        try:
            alert = _alert(entry, number)
        except ValueError as exc:
            problems.append(f"{path}: [[alert]] number {number}: {exc}; it is ignored")
            continue
        if alert.name in names:
            problems.append(f"{path}: [[alert]] number {number}: another alert is already called "
                            f"{alert.name!r}; it is ignored")
            continue
        names.add(alert.name)
        alerts.append(alert)
    return alerts


def _alert(entry, number: int) -> Alert:
    if not isinstance(entry, dict):
        raise ValueError("not a table")
    unknown = sorted(set(entry) - _ALERT_KEYS)
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} (an alert has {', '.join(sorted(_ALERT_KEYS))})")
    tracks, parties = _id_list(entry, "track"), _id_list(entry, "party")
    search = entry.get("search", "")
    if not isinstance(search, str):
        raise ValueError('search must be words in quotes, like search = "ceasefire proposal"')
    search = " ".join(search.split())
    if search and not re.search(r"\w", search):
        raise ValueError("search needs at least one word to look for")
    if not (tracks or parties or search):
        raise ValueError("it needs a track, a party or search words to match")
    command = entry.get("command", [])
    if isinstance(command, str):
        raise ValueError('command must be a list of arguments, like command = ["notify-send", "{title}"] '
                         "(it runs without a shell)")
    if not isinstance(command, list) or not all(isinstance(arg, str) for arg in command) or (
            command and not command[0].strip()):
        raise ValueError('command must be a list of arguments, like command = ["notify-send", "{title}"]')
    for arg in command:
        for placeholder in PLACEHOLDER.findall(arg):
            if placeholder not in ALERT_PLACEHOLDERS:
                raise ValueError(f"command: no placeholder is called {{{placeholder}}} "
                                 f"(there are {', '.join('{' + p + '}' for p in ALERT_PLACEHOLDERS)})")
    timeout = entry.get("timeout", ALERT_TIMEOUT)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= MAX_ALERT_TIMEOUT:
        raise ValueError(f"timeout must be a whole number of seconds from 1 to {MAX_ALERT_TIMEOUT}")
    bell = entry.get("bell", False)
    if not isinstance(bell, bool):
        raise ValueError("bell must be true or false")
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError("name must be a word or two in quotes")
    name = name.strip() if name else _alert_name(tracks, parties, search)
    return Alert(name, tracks, parties, search, tuple(command), timeout, bell)


def _id_list(entry: dict, key: str) -> tuple[str, ...]:
    """A track or party setting: one id, or a list of them (any of which matches)."""
    value = entry.get(key, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        example = "RUS" if key == "party" else "normandy-format"
        raise ValueError(f'{key} must be an id or a list of ids, like {key} = "{example}"')
    return tuple(v.strip() for v in values)


def _alert_name(tracks: tuple[str, ...], parties: tuple[str, ...], search: str) -> str:
    """A name for an alert that has none: what it watches, which stays the same across
    restarts (so the stories it already fired for are known)."""
    parts = [*tracks, *parties] + ([f"“{search}”"] if search else [])
    label = " + ".join(parts)
    if len(label) <= 60:
        return label
    return label[:50] + "… " + hashlib.sha1(label.encode()).hexdigest()[:8]


def _read_brief(table, path: Path, problems: list[str]) -> BriefSettings:
    brief = BriefSettings()
    if not isinstance(table, dict):
        problems.append(f"{path}: brief must be a table: [brief] then format = \"md\"")
        return brief
    fmt = table.get("format", brief.format)
    if fmt in ("md", "csv", "json"):
        brief.format = fmt
    else:
        problems.append(f'{path}: [brief] format must be "md", "csv" or "json"')
    folder = table.get("folder")
    if isinstance(folder, str) and folder.strip():
        brief.folder = Path(folder.strip()).expanduser()
    elif folder is not None:
        problems.append(f"{path}: [brief] folder must be a folder path in quotes")
    days = table.get("days", brief.days)
    if isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= 36_600:
        brief.days = days
    else:
        problems.append(f"{path}: [brief] days must be a whole number of days (0: everything stored)")
    return brief


def brief_folder(settings: Settings) -> Path:
    """Where the dashboard writes briefs: [brief] folder, else the user's documents
    folder (negotiation-watch/ in it), else the data folder's briefs/."""
    if settings.brief.folder is not None:
        return settings.brief.folder
    documents = Path(platformdirs.user_documents_dir())
    if documents.is_dir() and documents != Path.home():
        return documents / APP_NAME
    return data_dir() / "briefs"


def save_pins(pinned: list[str] | None, path: Path | None = None) -> None:
    """Store the pinned set in config.toml (None removes the setting), see save_setting."""
    line = None if pinned is None else f"pinned = [{', '.join(map(_toml_string, pinned))}]\n"
    save_setting("pinned", line, path)


def save_sort(sort: dict[str, str], path: Path | None = None) -> None:
    """Store the panes' orders in config.toml, see save_setting."""
    pairs = ", ".join(f"{_toml_string(key)} = {_toml_string(value)}" for key, value in sort.items())
    save_setting("sort", f"sort = {{ {pairs} }}\n" if sort else None, path)


def save_setting(name: str, line: str | None, path: Path | None = None) -> None:
    """Put one top-level setting (`line`, or None to remove it) in config.toml, leaving the
    rest of the file as the user wrote it (comments, keys, layout). Written atomically
    (temp file, then rename) so a crash never truncates it. A file that does not parse is
    left alone: SettingsError says why, and the user's text is never replaced by ours."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = "# negotiation-watch settings\n"
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} has a mistake ({exc}); fix it to keep the {name} setting") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(_with_setting(text, name, line), encoding="utf-8")
    os.replace(tmp, path)


class SettingsError(Exception):
    """config.toml could not be updated; the message says why, for the UI to show."""


def _with_setting(text: str, name: str, line: str | None) -> str:
    """`text` with the top-level `name = ...` assignment (however many lines its value
    takes) replaced by `line`, or `line` added before the first table; None removes it."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    first_table = next(  # a "[" that starts a line inside a multi-line value is no table
        (i for i, current in enumerate(lines) if current.lstrip().startswith("[") and _parses("".join(lines[:i]))),
        len(lines),
    )
    start = next(
        (i for i in range(first_table) if lines[i].split("=", 1)[0].strip().strip("\"'") == name and "=" in lines[i]),
        None,
    )
    if start is None:
        at = first_table
        while at > 0 and not lines[at - 1].strip():  # before the blank lines that lead into a table
            at -= 1
        return "".join(lines[:at] + ([line] if line else []) + lines[at:])
    end = start + 1
    while end < first_table and not _parses("".join(lines[start:end])):  # a value over several lines
        end += 1
    return "".join(lines[:start] + ([line] if line else []) + lines[end:])


def _parses(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


MAX_DURATION = 366 * 86400


def parse_duration(text: str) -> int:
    """'15m', '1h', '90s', '2h30m' or plain seconds -> seconds; ValueError when malformed."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    total, number = 0, ""
    for char in text + "s" if text.isdigit() else text:
        if char.isdigit():
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            raise ValueError(f"not a duration: {text!r} (try 15m, 1h, 90s)")
    if number or total <= 0:  # 0 would fetch in a tight loop
        raise ValueError(f"not a duration: {text!r} (try 15m, 1h, 90s)")
    if total > MAX_DURATION:  # time.sleep cannot wait for ever, and nobody means to
        raise ValueError(f"{text!r} is longer than a year")
    return total
