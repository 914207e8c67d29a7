"""``peidai backup`` and ``peidai restore``: the database, the documents and the uploads in one archive.

An archive (``peidai-backup-<UTC time>.tar.gz``) holds

* ``manifest.json`` — format, time, the database's dialect, its Alembic revisions and the row count
  of every table, and every file of the data folder with its size and SHA-256;
* ``database.sqlite`` (an online copy through SQLite's backup API: consistent while the system
  runs) or ``database.pgdump`` (``pg_dump --format=custom`` of the same snapshot the row counts were
  read in: ``pg_export_snapshot()``);
* ``data/`` — the data folder (documents, uploads, whatever else lives there) without what is not
  data: the SQLite database itself, the embedded broker, the throttle's counters, the scheduler's
  state, the secret key (keep ``PEIDAI_SECRET_KEY`` with the configuration) and backups.

The database is copied first and the files after it, so every file the copied rows name is there
(uploads are never changed; a document replaced meanwhile is rendered again on demand). Files the
rows name but the data folder lacks are listed in the manifest as ``missing`` and reported.

``restore`` refuses a database or data folder that holds data unless ``force``; it restores the
database (SQLite: the file; PostgreSQL: ``pg_restore --clean`` into the configured database, created
if absent), unpacks the files, checks every row count and every checksum against the manifest, and
migrates the schema to the current heads (an older archive restores into a newer release).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click

FORMAT = 1
PREFIX = "peidai-backup-"
NOT_DATA = {"secret_key", "broker.sqlite", "ratelimit.sqlite"}
NOT_DATA_PREFIXES = ("beat-schedule", "peidai-backup-", ".")
NOT_DATA_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp", ".lock", ".pid")
# tables whose ``path`` column names a file of the data folder
FILE_TABLES = ("document_files", "document_uploads")


class BackupError(click.ClickException):
    pass


# --------------------------------------------------------------------------- helpers

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _dialect(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"不支持的数据库：{url.split(':', 1)[0]}（仅支持 SQLite 与 PostgreSQL）")


def _sqlite_path(url: str) -> Path:
    path = url.split("///", 1)[-1]
    if not path or path == ":memory:":
        raise BackupError("内存数据库无法备份或恢复")
    return Path(path)


def _pg_args(url: str) -> tuple[list[str], dict]:
    """libpq arguments and environment for pg_dump / pg_restore / psql (the password via PGPASSWORD)."""
    from sqlalchemy.engine import make_url
    u = make_url(url)
    args, env = [], dict(os.environ)
    host = u.host or u.query.get("host")
    if host:
        args += ["-h", str(host)]
    if u.port:
        args += ["-p", str(u.port)]
    if u.username:
        args += ["-U", u.username]
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具（Debian：apt-get install postgresql-client）")
    return found


def _row_counts(conn) -> dict[str, int]:
    from sqlalchemy import inspect, text

    from peidai.models import metadata
    existing = set(inspect(conn).get_table_names())
    names = sorted(existing & ({t.name for t in metadata.sorted_tables} | {"alembic_version"}))
    return {n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar()) for n in names}


def _revisions(conn) -> list[str]:
    from sqlalchemy import text
    return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _referenced_files(conn) -> set[str]:
    from sqlalchemy import inspect, text
    existing = set(inspect(conn).get_table_names())
    out = set()
    for table in FILE_TABLES:
        if table in existing:
            out |= {Path(p).as_posix() for p in conn.execute(text(f'SELECT path FROM "{table}"')).scalars() if p}
    return out


def _is_data(relative: Path, excluded: set[Path]) -> bool:
    top = relative.parts[0]
    if top in NOT_DATA or top.startswith(NOT_DATA_PREFIXES) or relative.name.endswith(NOT_DATA_SUFFIXES):
        return False
    return not any(relative == e or e in relative.parents for e in excluded)


def data_files(data_dir: Path, excluded: set[Path] = frozenset()) -> list[Path]:
    """The files of the data folder that are data, relative to it, sorted."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    out = []
    for path in data_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            relative = path.relative_to(data_dir)
            if _is_data(relative, excluded):
                out.append(relative)
    return sorted(out)


def _excluded(settings, target: Path | None) -> set[Path]:
    """What lives in the data folder but is not data: the SQLite database and the backups."""
    data_dir = Path(settings.data_dir).resolve()
    out = set()
    candidates = [target] if target is not None else []
    if _dialect(settings.database_url) == "sqlite":
        candidates.append(_sqlite_path(settings.database_url))
    for c in candidates:
        c = Path(c).resolve()
        if c == data_dir or data_dir in c.parents:
            out.add(c.relative_to(data_dir))
    return out


# --------------------------------------------------------------------------- backup

def backup(system, target: Path, *, keep: int | None = None, now: datetime | None = None) -> tuple[Path, dict]:
    """Write an archive; ``target`` is a folder (a new file named by the time goes in it) or a file
    name. ``keep``: in a folder, remove all but the newest ``keep`` archives afterwards. Returns the
    archive's path and its manifest."""
    settings = system.settings
    dialect = _dialect(settings.database_url)
    now = now or datetime.now(timezone.utc)
    target = Path(target)
    folder = target if (target.is_dir() or not target.suffix) else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        archive = folder / f"{PREFIX}{now:%Y%m%dT%H%M%SZ}.tar.gz"
    else:
        archive = target
        archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="peidai-backup-") as tmp:
        tmp = Path(tmp)
        if dialect == "sqlite":
            db_file = tmp / "database.sqlite"
            src = sqlite3.connect(_sqlite_path(settings.database_url), timeout=30)
            dst = sqlite3.connect(db_file)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            from sqlalchemy import create_engine
            copy = create_engine(f"sqlite:///{db_file}")
            with copy.connect() as conn:
                counts, revisions, referenced = _row_counts(conn), _revisions(conn), _referenced_files(conn)
            copy.dispose()
        else:
            db_file = tmp / "database.pgdump"
            counts, revisions, referenced = _pg_dump(system, settings.database_url, db_file)

        data_dir = Path(settings.data_dir)
        files = {}
        for relative in data_files(data_dir, _excluded(settings, archive if folder is None else folder)):
            path = data_dir / relative
            files[relative.as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        missing = sorted(referenced - set(files))
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "database": {
            "dialect": dialect, "file": db_file.name, "revisions": revisions, "tables": counts},
            "files": files, "missing": missing}

        partial = archive.with_name(archive.name + ".part")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(db_file, arcname=db_file.name)
            for name in files:
                tar.add(data_dir / name, arcname=f"data/{name}", recursive=False)
        os.chmod(partial, 0o600)   # personal data: readable by the owner only
        os.replace(partial, archive)
    if folder is not None and keep:
        for old in sorted(folder.glob(f"{PREFIX}*.tar.gz"))[:-keep]:
            old.unlink()
    return archive, manifest


def _pg_dump(system, url: str, out: Path) -> tuple[dict, list, set]:
    """pg_dump of a snapshot that the row counts are read in too."""
    from sqlalchemy import text
    pg_dump = _pg_tool("pg_dump")
    args, env = _pg_args(url)
    from sqlalchemy.engine import make_url
    database = make_url(url).database
    with system.db.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            counts, revisions, referenced = _row_counts(conn), _revisions(conn), _referenced_files(conn)
            result = subprocess.run([pg_dump, *args, "--format=custom", "--no-owner", "--no-privileges",
                                     f"--snapshot={snapshot}", "-f", str(out), database],
                                    env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()[-500:]}")
    return counts, revisions, referenced


# --------------------------------------------------------------------------- restore

def _holds_data(settings) -> list[str]:
    """What already holds data in the target: tables with rows, files in the data folder."""
    from sqlalchemy import create_engine, inspect, text
    found = []
    url = settings.database_url
    if _dialect(url) == "sqlite" and not _sqlite_path(url).exists():
        pass
    else:
        try:
            engine = create_engine(url)
            with engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
                for name in sorted(tables - {"alembic_version"}):
                    if conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first():
                        found.append(f"数据表 {name}")
            engine.dispose()
        except Exception as exc:
            if not _missing_database(exc):
                raise
    files = data_files(Path(settings.data_dir), _excluded(settings, None))
    if files:
        found.append(f"数据目录中的 {len(files)} 个文件")
    return found


def _missing_database(exc) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "3D000" or "does not exist" in str(exc)


def restore(settings, archive: Path, *, force: bool = False) -> dict:
    from sqlalchemy import create_engine

    from peidai.db import upgrade
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    dialect = _dialect(settings.database_url)
    with tempfile.TemporaryDirectory(prefix="peidai-restore-") as tmp:
        tmp = Path(tmp)
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for m in members:
                name = Path(m.name)
                if name.is_absolute() or ".." in name.parts or not (m.isfile() or m.isdir()):
                    raise BackupError(f"备份文件中有不安全的条目：{m.name}")
            tar.extractall(tmp, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        try:
            manifest = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            raise BackupError("不是培带系统的备份文件（没有 manifest.json）") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"备份格式 {manifest.get('format')} 不受支持（本版本为 {FORMAT}）")
        source = manifest["database"]["dialect"]
        if source != dialect:
            raise BackupError(f"备份来自 {source}，不能恢复到 {dialect} 数据库")
        occupied = _holds_data(settings)
        if occupied and not force:
            raise BackupError("目标不是空的（" + "、".join(occupied) + "）；确认要覆盖请加 --force")

        db_file = tmp / manifest["database"]["file"]
        if dialect == "sqlite":
            path = _sqlite_path(settings.database_url)
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            staged = path.with_name(path.name + ".restoring")
            shutil.copyfile(db_file, staged)
            os.replace(staged, path)
        else:
            _pg_restore(settings.database_url, db_file)

        data_dir = Path(settings.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        unpacked = tmp / "data"
        if force:
            tops = {Path(name).parts[0] for name in manifest["files"]}
            for top in tops:
                target = data_dir / top
                if target.is_dir():
                    shutil.rmtree(target)
        problems = []
        for name, info in manifest["files"].items():
            src, dst = unpacked / name, data_dir / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            if _sha256(dst) != info["sha256"]:
                problems.append(f"文件校验和不符：{name}")

        engine = create_engine(settings.database_url)
        try:
            with engine.connect() as conn:
                counts = _row_counts(conn)
        finally:
            engine.dispose()
        for table, expected in manifest["database"]["tables"].items():
            if counts.get(table) != expected:
                problems.append(f"数据表 {table}：备份 {expected} 行，恢复后 {counts.get(table)} 行")
        if problems:
            raise BackupError("恢复后的检查未通过：\n" + "\n".join(problems))
        upgrade(settings.database_url)   # an older archive: its schema is brought to this release
        return manifest


def _pg_restore(url: str, dump: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from peidai.db import make_engine
    u = make_url(url)
    admin = make_engine(u.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).first():
                conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    finally:
        admin.dispose()
    args, env = _pg_args(url)
    result = subprocess.run([_pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                             "--single-transaction", "--exit-on-error", "-d", u.database, str(dump)],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()[-500:]}")


# --------------------------------------------------------------------------- command line

def register(cli: click.Group) -> None:
    from peidai.cli import pass_lazy

    @cli.command("backup")
    @click.argument("target", type=click.Path(path_type=Path), default=Path("backups"))
    @click.option("--keep", type=click.IntRange(1, 100000), default=None,
                  help="只保留目录中最新的 N 个备份（TARGET 为目录时）")
    @pass_lazy
    def backup_command(lazy, target, keep):
        """Back up the database, documents and uploads into one archive (TARGET: a folder or a
        file name; default ./backups). Safe while the system runs."""
        archive, manifest = backup(lazy.system, target, keep=keep)
        rows = sum(v for k, v in manifest["database"]["tables"].items() if k != "alembic_version")
        click.echo(f"已备份到 {archive}：数据库 {len(manifest['database']['tables'])} 张表 {rows} 行，"
                   f"文件 {len(manifest['files'])} 个（{archive.stat().st_size / 1048576:.1f} MiB）")
        if manifest["missing"]:
            click.echo(f"注意：数据库登记的 {len(manifest['missing'])} 个文件在数据目录中不存在："
                       + "、".join(manifest["missing"][:10]), err=True)

    @cli.command("restore")
    @click.argument("archive", type=click.Path(path_type=Path, exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="目标数据库或数据目录已有数据时也恢复（覆盖）")
    def restore_command(archive, force):
        """Restore an archive into the configured database and data folder (stop web and worker first)."""
        from peidai.settings import Settings
        manifest = restore(Settings.from_env(), archive, force=force)
        rows = sum(v for k, v in manifest["database"]["tables"].items() if k != "alembic_version")
        click.echo(f"已从 {archive} 恢复：{rows} 行数据，{len(manifest['files'])} 个文件，校验通过")
