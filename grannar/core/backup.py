"""Backup and restore: a consistent snapshot of the whole database with a manifest.

A backup is a tar file holding `manifest.json` (when, which Grannar and schema, the database
vendor, the rows per table, the data's sha256 and check values of the keys) and the data: on
SQLite a gzip'd copy made with SQLite's online backup, on PostgreSQL a `pg_dump` custom-format
archive taken in the snapshot the rows were counted in. The keys themselves are never in it.
A restore goes only into an empty database of the same vendor and schema.
"""

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.audit import log_action
from grannar.core.crypto import key_check_values
from grannar.core.files import atomic_file

FORMAT = "grannar-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = {"sqlite": "data.sqlite3.gz", "postgresql": "data.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why, for the user."""


@dataclass
class Outcome:
    manifest: dict
    rows: int
    tables: int


@contextlib.contextmanager
def _database_usable():
    """A database that cannot be reached or read is a refusal that names it, not a traceback."""
    try:
        yield
    except DatabaseError as error:
        raise BackupError(
            _("The database %(database)s cannot be used: %(error)s")
            % {"database": connection.settings_dict["NAME"], "error": error}
        ) from error


@_database_usable()
def backup_make(*, path: Path) -> Outcome:
    """Write a consistent snapshot of the database to `path`, whole or not at all."""
    if not path.parent.is_dir() or path.is_dir():
        raise BackupError(_("%(file)s: not a file in an existing folder.") % {"file": path})
    vendor = _vendor()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".grannar-backup-") as work:
        data = Path(work) / DATA[vendor]
        if vendor == "sqlite":
            counts, schema = _sqlite_snapshot(data)
        else:
            counts, schema = _postgresql_snapshot(data)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": timezone.now().isoformat(timespec="seconds"),
            "grannar_version": _version(),
            "vendor": vendor,
            "schema": schema,
            "tables": counts,
            "rows": sum(counts.values()),
            "data": {"name": data.name, "bytes": data.stat().st_size, "sha256": _sha256(data)},
            "keys": key_check_values(),
        }
        try:
            with atomic_file(path) as out, tarfile.open(fileobj=out, mode="w|") as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode() + b"\n")
                tar.add(data, arcname=data.name, filter=_anonymous)
        except OSError as error:
            raise BackupError(f"{path}: {error.strerror or error}") from error
    log_action(
        action="core.backup.made",
        data={"created": manifest["created"], "rows": manifest["rows"], "vendor": vendor},
    )
    return Outcome(manifest=manifest, rows=manifest["rows"], tables=len(counts))


@_database_usable()
def backup_restore(*, path: Path, other_keys: bool = False) -> Outcome:
    """Restore the backup at `path` into this empty database, after checking that it is whole
    and was made by this schema and vendor (and, unless `other_keys`, with these keys)."""
    vendor = _vendor()
    with _open(path) as tar:
        manifest = _manifest(path, tar)
        _check_manifest(path, manifest, vendor=vendor, other_keys=other_keys)
        with tempfile.TemporaryDirectory(prefix="grannar-restore-") as work:
            data = _extract(path, tar, manifest, Path(work))
            _check_empty()
            if vendor == "sqlite":
                _sqlite_restore(path, data, Path(work))
            else:
                _postgresql_restore(path, data)
    counts = table_counts()
    if counts != manifest["tables"]:
        differing = sorted(
            name
            for name in set(counts) | set(manifest["tables"])
            if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(
            _(
                "%(file)s was restored, but its rows differ from the manifest in %(tables)s: "
                "do not use this database; restore again into a new one."
            )
            % {"file": path, "tables": ", ".join(differing[:5])}
        )
    log_action(
        action="core.backup.restored",
        data={"created": manifest["created"], "rows": manifest["rows"], "vendor": vendor},
    )
    return Outcome(manifest=manifest, rows=manifest["rows"], tables=len(counts))


def table_counts() -> dict[str, int]:
    """Rows per table of this database, as a backup's manifest lists them."""
    with connection.cursor() as cursor:
        return _count(cursor, _tables(cursor, connection.vendor))


def code_schema() -> dict[str, str]:
    """The last migration of each app in this code."""
    leaves: dict[str, str] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes():
        leaves[app] = max(name, leaves.get(app, ""))
    return dict(sorted(leaves.items()))


# --- making -----------------------------------------------------------------------------------


def _sqlite_snapshot(data: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Copy the database with SQLite's online backup (one step: one read transaction, so a
    consistent copy while others write), count the copy's rows and gzip it."""
    copy = data.with_suffix("")
    name = settings.DATABASES["default"]["NAME"]
    if not Path(name).is_file():
        raise BackupError(_("The database %(database)s does not exist.") % {"database": name})
    source = sqlite3.connect(name, timeout=_sqlite_timeout())
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        cursor = target.cursor()
        tables = _tables(cursor, "sqlite")
        counts, schema = _count(cursor, tables), _applied_schema(cursor, tables)
    finally:
        source.close()
        target.close()
    with copy.open("rb") as raw, gzip.open(data, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, CHUNK)
    copy.unlink()
    return counts, schema


def _postgresql_snapshot(data: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Count the rows in a repeatable-read transaction and let pg_dump dump that very snapshot,
    so the counts are the dump's while others write."""
    pg_dump = pg_tool("pg_dump")
    check_client(pg_dump, server=connection.pg_version // 10000)
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        cursor = raw.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = _tables(cursor, "postgresql")
        counts, schema = _count(cursor, tables), _applied_schema(cursor, tables)
        _run(
            [str(pg_dump), "--format=custom", f"--snapshot={snapshot}", f"--file={data}"],
            failure=_("pg_dump failed"),
        )
        cursor.execute("COMMIT")
    finally:
        raw.close()
    return counts, schema


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(content))


# --- restoring --------------------------------------------------------------------------------


@contextlib.contextmanager
def _open(path: Path):
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed below, after the checks
    except FileNotFoundError as error:
        raise BackupError(_("%(file)s: no such file.") % {"file": path}) from error
    except IsADirectoryError as error:
        raise BackupError(_("%(file)s: a folder, not a backup file.") % {"file": path}) from error
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(_not_a_backup(path)) from error
    except OSError as error:
        raise BackupError(f"{path}: {error.strerror or error}") from error
    with tar:
        yield tar


def _not_a_backup(path: Path) -> str:
    return _("%(file)s is not a Grannar backup, or it is damaged.") % {"file": path}


def _manifest(path: Path, tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, AttributeError, ValueError, tarfile.TarError, EOFError) as error:
        raise BackupError(_not_a_backup(path)) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_not_a_backup(path))
    shapes = {
        "created": str,
        "schema": dict,
        "tables": dict,
        "rows": int,
        "data": dict,
        "keys": dict,
    }
    if any(not isinstance(manifest.get(key), shape) for key, shape in shapes.items()):
        raise BackupError(_not_a_backup(path))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("%(file)s has backup format %(found)s; this Grannar reads format %(wanted)s.")
            % {"file": path, "found": manifest.get("format_version"), "wanted": FORMAT_VERSION}
        )
    return manifest


def _check_manifest(path: Path, manifest: dict, *, vendor: str, other_keys: bool) -> None:
    if manifest.get("vendor") != vendor:
        raise BackupError(
            _(
                "%(file)s is a backup of a %(found)s database; this database is %(wanted)s. "
                "Restore it into a %(found)s database."
            )
            % {"file": path, "found": manifest.get("vendor"), "wanted": vendor}
        )
    schema = code_schema()
    if manifest.get("schema") != schema:
        found = manifest.get("schema") or {}
        differing = sorted(
            f"{app} {found.get(app, '-')} ≠ {schema.get(app, '-')}"
            for app in set(found) | set(schema)
            if found.get(app) != schema.get(app)
        )
        raise BackupError(
            _(
                "%(file)s was made with another database schema (Grannar %(version)s): "
                "%(differences)s. Restore it with the Grannar version that made it, then "
                "upgrade and migrate."
            )
            % {
                "file": path,
                "version": manifest.get("grannar_version"),
                "differences": "; ".join(differing[:5]),
            }
        )
    here = key_check_values()
    wrong = sorted(
        name for name, value in here.items() if manifest.get("keys", {}).get(name) != value
    )
    if wrong and not other_keys:
        raise BackupError(
            ngettext(
                "The key %(keys)s in this environment is not the one %(file)s was made with. "
                "Without it the encrypted personnummer cannot be read or the survey answers "
                "cannot be paired. Set it as it was, or pass --other-keys to restore anyway.",
                "The keys %(keys)s in this environment are not the ones %(file)s was made with. "
                "Without them the encrypted personnummer cannot be read and the survey answers "
                "cannot be paired. Set them as they were, or pass --other-keys to restore anyway.",
                len(wrong),
            )
            % {"keys": ", ".join(wrong), "file": path}
        )


def _extract(path: Path, tar: tarfile.TarFile, manifest: dict, work: Path) -> Path:
    """The data member, written to `work` and checked against the manifest's sha256."""
    name = manifest.get("data", {}).get("name")
    if name not in DATA.values():
        raise BackupError(_not_a_backup(path))
    target = work / name
    digest = hashlib.sha256()
    try:
        source = tar.extractfile(tar.getmember(name))
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except (KeyError, AttributeError, tarfile.TarError, EOFError) as error:
        raise BackupError(_not_a_backup(path)) from error
    if digest.hexdigest() != manifest["data"].get("sha256"):
        raise BackupError(
            _(
                "%(file)s is damaged: its data does not match the checksum in its manifest. "
                "Nothing was restored."
            )
            % {"file": path}
        )
    return target


def _check_empty() -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            ngettext(
                "The database %(database)s is not empty (%(count)s table, %(tables)s). A backup "
                "is restored only into an empty database: create a new one and point "
                "DATABASE_URL at it.",
                "The database %(database)s is not empty (%(count)s tables, e.g. %(tables)s). A "
                "backup is restored only into an empty database: create a new one and point "
                "DATABASE_URL at it.",
                len(tables),
            )
            % {
                "database": settings.DATABASES["default"]["NAME"],
                "count": len(tables),
                "tables": ", ".join(sorted(tables)[:3]),
            }
        )


def _sqlite_restore(path: Path, data: Path, work: Path) -> None:
    """Unpack the copy and write it into the database with SQLite's backup, which replaces the
    whole (empty) database in one transaction."""
    copy = work / "restore.sqlite3"
    try:
        with gzip.open(data, "rb") as packed, copy.open("wb") as raw:
            shutil.copyfileobj(packed, raw, CHUNK)
        source = sqlite3.connect(copy)
        try:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(_not_a_backup(path))
            connection.close()
            target = sqlite3.connect(
                settings.DATABASES["default"]["NAME"], timeout=_sqlite_timeout()
            )
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except (OSError, EOFError, sqlite3.DatabaseError) as error:
        raise BackupError(_not_a_backup(path)) from error


def _postgresql_restore(path: Path, data: Path) -> None:
    """pg_restore in a single transaction: the database gets all of it or nothing."""
    pg_restore = pg_tool("pg_restore")
    check_client(pg_restore, server=connection.pg_version // 10000)
    _run(
        [
            str(pg_restore),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(data),
        ],
        failure=_("pg_restore failed, nothing was restored"),
    )


# --- shared -----------------------------------------------------------------------------------


def pg_tool(name: str) -> Path:
    """A PostgreSQL client program: from GRANNAR_PG_BIN_DIR when set, else from PATH."""
    folder = settings.GRANNAR_PG_BIN_DIR
    if folder:
        found = Path(folder) / name
        if found.is_file() and os.access(found, os.X_OK):
            return found
        raise BackupError(
            _("%(tool)s is not in GRANNAR_PG_BIN_DIR (%(folder)s).")
            % {"tool": name, "folder": folder}
        )
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "%(tool)s was not found: install the PostgreSQL client programs (Debian: "
                "apt-get install postgresql-client) or set GRANNAR_PG_BIN_DIR."
            )
            % {"tool": name}
        )
    return Path(found)


def check_client(tool: Path, *, server: int) -> None:
    """Refuse a client older than the server's major version: it cannot dump the server."""
    output = _run([str(tool), "--version"], failure=str(tool))
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    client = int(match.group(1)) if match else 0
    if client < server:
        raise BackupError(
            _(
                "%(tool)s is version %(client)s, older than the database server "
                "(%(server)s): install the client of version %(server)s or later, or set "
                "GRANNAR_PG_BIN_DIR to its folder."
            )
            % {"tool": tool, "client": client, "server": server}
        )


def _run(command: list[str], *, failure: str) -> str:
    """Run a PostgreSQL client program against this database; its output, or a BackupError
    with the last lines it wrote."""
    try:
        result = subprocess.run(  # noqa: S603 - a PostgreSQL client, no shell
            command, env=_pg_environment(), capture_output=True, text=True
        )
    except OSError as error:
        raise BackupError(f"{failure}: {error.strerror or error}") from error
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{failure}: " + "\n".join(lines[-5:]))
    return result.stdout


def _pg_environment() -> dict[str, str]:
    database = settings.DATABASES["default"]
    environment = dict(os.environ)
    for variable, value in (
        ("PGHOST", database.get("HOST")),
        ("PGPORT", database.get("PORT")),
        ("PGUSER", database.get("USER")),
        ("PGPASSWORD", database.get("PASSWORD")),
        ("PGDATABASE", database.get("NAME")),
        ("PGSSLMODE", database.get("OPTIONS", {}).get("sslmode")),
    ):
        if value:
            environment[variable] = str(value)
    environment["PGAPPNAME"] = "grannar-backup"
    return environment


def _tables(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute(
            "SELECT CASE WHEN schemaname = 'public' THEN tablename "
            "ELSE schemaname || '.' || tablename END FROM pg_tables "
            # Not the catalogue, nor other sessions' temporary tables (pg_temp_N).
            "WHERE schemaname <> 'information_schema' AND schemaname NOT LIKE 'pg\\_%'"
        )
    return sorted(row[0] for row in cursor.fetchall())


def _count(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        quoted = ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))
        cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 - names from the catalogue
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_schema(cursor, tables: list[str]) -> dict[str, str]:
    """The last applied migration of each app, as the snapshot records them."""
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


def _vendor() -> str:
    if connection.vendor not in DATA:
        raise BackupError(
            _("Backups are made of SQLite and PostgreSQL databases, not %(vendor)s.")
            % {"vendor": connection.vendor}
        )
    return connection.vendor


def _version() -> str:
    try:
        return metadata.version("grannar")
    except metadata.PackageNotFoundError:
        return "unknown"


def _sqlite_timeout() -> float:
    return float(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 30))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
