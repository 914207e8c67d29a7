"""``peidai backup`` / ``peidai restore`` (issue 16, item 5): a system with users, running and
finished instances, audit, outbox, a stored document and an upload is backed up, restored into an
empty database and an empty data folder, and everything is found there; the restored system goes on
working. SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from engine import VirtualClock
from engine.identity import upsert_user
from engine.queries import instance_tasks
from engine.tables import Instance
from peidai.backup import BackupError, backup, restore
from peidai.bootstrap import bootstrap
from peidai.db import upgrade
from peidai.settings import Settings
from tests.conftest import FIXTURES, PG_ADMIN_URL, _create_pg_database, _drop_pg_database, read_models, require_server
from webapp.users import check_login, hash_password
from workflows.documents.tables import StoredDocument, Upload

PDF = b"%PDF-1.4\n% certificate\n" + bytes(range(256)) * 40
JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 500


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect(request):
    if request.param == "postgresql":
        require_server("PostgreSQL", "127.0.0.1", 5432)
    return request.param


@pytest.fixture
def empty_database(dialect, tmp_path):
    """A URL naming a database that does not exist yet (restore creates it) or is empty."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'peidai.sqlite'}"
        return
    name = _create_pg_database()
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    _drop_pg_database(name)


@pytest.fixture
def source_database(dialect, tmp_path):
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'source' / 'peidai.sqlite'}"
        upgrade(url)
        yield url
        return
    name = _create_pg_database()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    _drop_pg_database(name)


def fill(system):
    """Users with passwords, instances at different steps, audit and outbox, a document, an upload."""
    engine = system.engine
    engine.deploy(read_models(FIXTURES / "models"), comment="fixtures")
    with engine.unit_of_work() as s:
        upsert_user(s, "sub", "王申报", password_hash=hash_password("Peidai#2014"), memberships=[("unit_submitter", "u1")])
        upsert_user(s, "rev", "李审核", memberships=[("unit_reviewer", "u1")])
    sub, rev = engine.actor_for("sub"), engine.actor_for("rev")
    ids = []
    for n in range(3):
        iid = engine.start("approval", {"unit_id": "u1", "category": "professional", "experts": ["e1"], "years": 1}, sub)
        fill_task = next(t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Fill")
        engine.complete_task(fill_task["id"], {"name": f"张三{n}"}, sub)
        if n == 0:
            review = next(t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Review")
            engine.complete_task(review["id"], {"decision": "reject"}, rev)
        ids.append(iid)
    data = Path(system.settings.data_dir)
    (data / "documents" / "certificate").mkdir(parents=True)
    (data / "documents" / "certificate" / "12-abc-def.pdf").write_bytes(PDF)
    (data / "uploads" / "7").mkdir(parents=True)
    (data / "uploads" / "7" / "degree.jpg").write_bytes(JPEG)
    (data / "secret_key").write_text("not in the archive")
    (data / "broker.sqlite").write_bytes(b"not data")
    now = system.clock.now()
    with engine.unit_of_work() as s:
        s.add(StoredDocument(kind="certificate", ref="12", fmt="pdf", data_digest="d" * 64,
                             checksum=hashlib.sha256(PDF).hexdigest(), size=len(PDF),
                             path="documents/certificate/12-abc-def.pdf", created_at=now, updated_at=now))
        s.add(Upload(nomination_id=7, category="degree", original_name="学位证.jpg", content_type="image/jpeg",
                     size=len(JPEG), checksum=hashlib.sha256(JPEG).hexdigest(), path="uploads/7/degree.jpg",
                     uploaded_by="sub", uploaded_at=now))
    return ids


def snapshot(system) -> dict:
    """Every table's rows (as text) and every data file."""
    from peidai.models import metadata
    out = {}
    with system.db.connect() as conn:
        for table in metadata.sorted_tables:
            try:
                rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            except Exception:
                continue
            out[table.name] = [tuple(str(v) for v in r) for r in rows]
    data = Path(system.settings.data_dir)
    out["files"] = {p.relative_to(data).as_posix(): p.read_bytes() for p in sorted(data.rglob("*"))
                    if p.is_file() and p.parts[-2:][0] in ("certificate", "7")}
    return out


def test_backup_restore_into_an_empty_system_finds_everything_and_goes_on(tmp_path, source_database, empty_database):
    clock = VirtualClock("2014-05-19T09:00:00+08:00")
    source = bootstrap(Settings(database_url=source_database, data_dir=tmp_path / "data", secret_key="a"), clock=clock)
    ids = fill(source)
    archive, manifest = backup(source, tmp_path / "backups", keep=3)
    before = snapshot(source)
    source.dispose()

    assert archive.parent == tmp_path / "backups" and archive.name.startswith("peidai-backup-")
    assert archive.stat().st_mode & 0o077 == 0
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "data/documents/certificate/12-abc-def.pdf", "data/uploads/7/degree.jpg"} <= names
    assert not any("secret_key" in n or "broker.sqlite" in n or n.endswith("peidai.sqlite") for n in names)
    assert manifest["missing"] == [] and manifest["database"]["tables"]["instances"] == 3

    settings = Settings(database_url=empty_database, data_dir=tmp_path / "restored-data", secret_key="b")
    restore(settings, archive)
    target = bootstrap(settings, clock=clock)
    try:
        after = snapshot(target)
        assert after == before
        assert check_login(target.engine, "sub", "Peidai#2014") == "sub"
        assert target.engine.instance(ids[0])["status"] == "completed"
        # the restored system goes on: the next step of a running instance
        rev = target.engine.actor_for("rev")
        review = next(t for t in instance_tasks(target.engine, ids[1]) if t["element_id"] == "Task_Review")
        target.engine.complete_task(review["id"], {"decision": "reject"}, rev)
        assert target.engine.instance(ids[1])["status"] == "completed"
        with target.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Instance)) == 3
    finally:
        target.dispose()

    # a second restore into the now occupied system is refused; --force replaces
    with pytest.raises(BackupError, match="不是空的"):
        restore(settings, archive)
    restore(settings, archive, force=True)
    again = bootstrap(settings, clock=clock)
    try:
        assert snapshot(again) == before
    finally:
        again.dispose()


def test_the_commands_and_what_a_broken_archive_gets(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'data' / 'peidai.sqlite'}"
    upgrade(url)
    monkeypatch.setenv("PEIDAI_DATABASE_URL", url)
    monkeypatch.setenv("PEIDAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PEIDAI_SECRET_KEY", "k")
    from peidai.cli import cli
    runner = CliRunner()
    result = runner.invoke(cli, ["backup", str(tmp_path / "data" / "backups")])   # inside the data folder
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output
    first = next((tmp_path / "data" / "backups").glob("peidai-backup-*.tar.gz"))
    with tarfile.open(first) as tar:
        assert not any(n.startswith("data/backups") for n in tar.getnames())

    monkeypatch.setenv("PEIDAI_DATABASE_URL", f"sqlite:///{tmp_path / 'new' / 'p.sqlite'}")
    monkeypatch.setenv("PEIDAI_DATA_DIR", str(tmp_path / "new"))
    result = runner.invoke(cli, ["restore", str(first)])
    assert result.exit_code == 0, result.output
    assert "校验通过" in result.output
    with bootstrap(Settings.from_env()).db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() >= 1

    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(__file__, arcname="../evil.py")
    monkeypatch.setenv("PEIDAI_DATABASE_URL", f"sqlite:///{tmp_path / 'other' / 'p.sqlite'}")
    result = runner.invoke(cli, ["restore", str(bad)])
    assert result.exit_code != 0 and "不安全" in str(result.output) + str(result.exception)
    assert not (tmp_path / "evil.py").exists()
