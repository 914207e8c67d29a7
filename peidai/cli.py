"""The ``peidai`` command. Each package may add its own commands: a module ``<pkg>.cli`` with a
``register(group)`` function (see ``CLI_MODULES``)."""
from __future__ import annotations

import importlib
import json
import sys
from datetime import datetime
from pathlib import Path

import click

from engine import EngineError
from engine.queries import inbox

from .settings import PROJECT_ROOT

CLI_MODULES = ("workflows.cli", "workflows.notifications.cli", "workflows.documents.cli", "worker.cli", "webapp.cli",
               "webapp.cli_users", "webapp.cli_migrate", "peidai.backup")
MODEL_SUFFIXES = (".bpmn", ".dmn", ".json")
MODEL_EXTRAS = (".redeploy",)  # part of a version's content although not a model (webapp.admin.versions)


class Lazy:
    """Builds the system on first use, so ``peidai --help`` touches nothing."""

    def __init__(self):
        self._system = None

    @property
    def system(self):
        if self._system is None:
            from .bootstrap import bootstrap
            self._system = bootstrap()
        return self._system

    @property
    def engine(self):
        return self.system.engine


pass_lazy = click.make_pass_decorator(Lazy, ensure=True)


def read_model_files(path: Path) -> dict[str, str]:
    path = Path(path)
    if path.is_file():
        return {path.name: path.read_text(encoding="utf-8")}
    if not path.is_dir():
        raise click.ClickException(f"找不到模型路径：{path}")
    # the exact text (no newline translation): an exported version deploys to the same content hash
    files = {p.relative_to(path).as_posix(): p.read_bytes().decode("utf-8")
             for p in sorted(path.rglob("*")) if p.is_file() and (p.suffix in MODEL_SUFFIXES or p.name in MODEL_EXTRAS)}
    if not files:
        raise click.ClickException(f"{path} 中没有 .bpmn/.dmn/.json 文件")
    return files


def parse_json(text: str, what: str = "--data") -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"不是有效的 JSON（第 {exc.colno} 列）：{exc.msg}", param_hint=what)
    if not isinstance(value, dict):
        raise click.BadParameter("必须是 JSON 对象（{...}）", param_hint=what)
    return value


def echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@click.group()
def cli():
    """Peidai (培带) — talent-mentor programme management."""


@cli.group()
def db():
    """Database schema."""


@db.command("upgrade")
@pass_lazy
def db_upgrade(lazy):
    """Apply all migrations (SQLite or PostgreSQL, from PEIDAI_DATABASE_URL)."""
    from .db import upgrade
    upgrade(lazy.system.settings.database_url)
    click.echo("数据库已升级到最新版本")


@cli.group()
def models():
    """Process models (BPMN, DMN, forms)."""


def read_base(path: Path) -> str | None:
    """The content hash the files under PATH were exported from (``.version``), if they say."""
    from engine.lineage import BASE_FILE, read_base as parse
    marker = Path(path) / BASE_FILE
    return parse(marker.read_text(encoding="utf-8")) if Path(path).is_dir() and marker.is_file() else None


@models.command("deploy")
@click.argument("path", type=click.Path(path_type=Path), default=PROJECT_ROOT / "bpmn")
@click.option("--comment", default="", help="版本说明")
@click.option("--user", default="system")
@click.option("--force", is_flag=True, help="文件不是基于最新版本时也部署（会撤销最新版本中不在这些文件里的改动）")
@pass_lazy
def models_deploy(lazy, path, comment, user, force):
    """Validate and deploy the files under PATH as one new version.

    Refused when the newest version was made in the browser (or re-deployed) and the files were
    not exported from it (`peidai models export`), unless --force: the difference is shown."""
    from engine import Actor, lineage, modeldiff
    try:
        result = lineage.deploy(lazy.engine, read_model_files(path), Actor(user), comment, source="files",
                                base=read_base(path), force=force)
    except lineage.StaleModels as exc:
        d = exc.details
        click.echo(f"拒绝部署：{exc.message}", err=True)
        if d.get("since_base") and not d["since_base"]["empty"]:
            click.echo(f"\n版本 {d['base_version']}（这些文件的基础）之后、最新版本 {d['newest_version']} 中的改动：", err=True)
            for line in modeldiff.as_text(d["since_base"], limit=80):
                click.echo("  " + line, err=True)
        click.echo(f"\n部署这些文件相对最新版本 {d['newest_version']} 的改动：", err=True)
        for line in modeldiff.as_text(d["diff"], limit=80) or ["（无）"]:
            click.echo("  " + line, err=True)
        sys.exit(3)
    for w in result["warnings"]:
        click.echo(f"警告 {w['file']} #{w['element']}: {w['message']}", err=True)
    if result["forced"]:
        click.echo(f"注意：这些文件不是基于最新版本 {result['newest_before']}，已按 --force 强制部署", err=True)
    if result["created"]:
        click.echo(f"已部署版本 {result['version']} ({result['hash'][:12]})")
    else:
        newest = lazy.engine.list_versions()[-1]["version"]
        click.echo(f"内容未变，已有版本 {result['version']} ({result['hash'][:12]})"
                   + ("" if newest == result["version"] else f"；注意：最新版本是 {newest}，新实例按最新版本启动"))


@models.command("export")
@click.argument("args", nargs=-1, required=True, metavar="[VERSION] DIR")
@click.option("--keep", is_flag=True, help="保留 DIR 中该版本没有的模型文件（默认删除，使 DIR 与该版本一致）")
@pass_lazy
def models_export(lazy, args, keep):
    """Write a deployed version (default: the newest) as files into DIR, with the marker
    DIR/.version naming it, so that a change made in the browser becomes a reviewed commit.
    Deploying DIR unchanged gives the same content hash."""
    from engine.lineage import BASE_FILE, marker
    if len(args) > 2:
        raise click.UsageError("用法：peidai models export [VERSION] DIR")
    versions = lazy.engine.list_versions()
    if not versions:
        raise click.ClickException("还没有已部署的版本")
    if len(args) == 2:
        if not args[0].isdigit():
            raise click.BadParameter(f"版本号须是整数：{args[0]}", param_hint="VERSION")
        number = int(args[0])
    else:
        number = versions[-1]["version"]
    row = next((v for v in versions if v["version"] == number), None)
    if row is None:
        raise click.ClickException(f"版本 {number} 不存在")
    folder = Path(args[-1])
    files = lazy.engine.version_files(number)
    folder.mkdir(parents=True, exist_ok=True)
    removed = []
    if not keep:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and (p.suffix in MODEL_SUFFIXES or p.name in MODEL_EXTRAS) \
                    and p.relative_to(folder).as_posix() not in files:
                p.unlink()
                removed.append(p.relative_to(folder).as_posix())
    for name, text in files.items():
        target = folder / name
        if folder.resolve() not in target.resolve().parents:
            raise click.ClickException(f"文件名越出目录：{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    (folder / BASE_FILE).write_text(marker(number, row["hash"], lazy.engine.now()), encoding="utf-8")
    click.echo(f"已导出版本 {number} ({row['hash'][:12]})：{len(files)} 个文件写入 {folder}"
               + (f"，删除 {len(removed)} 个该版本没有的文件：{'、'.join(removed)}" if removed else ""))


@models.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default=PROJECT_ROOT / "bpmn")
@pass_lazy
def models_validate(lazy, path):
    """Report every problem in the files under PATH without deploying."""
    problems = lazy.engine.validate_models(read_model_files(path))
    for p in problems:
        click.echo(f"{'错误' if p.severity == 'error' else '警告'} {p}")
    if any(p.severity == "error" for p in problems):
        sys.exit(1)
    click.echo("校验通过")


@models.command("list")
@pass_lazy
def models_list(lazy):
    from engine.lineage import SOURCE_LABELS, version_lineage
    for v in lazy.engine.list_versions():
        source = version_lineage(lazy.engine, v["version"]).get("source", "files")
        click.echo(f"{v['version']:>4}  {v['hash'][:12]}  {v['created_at']:%Y-%m-%d %H:%M}  {v['author']:<12} "
                   f"{SOURCE_LABELS.get(source, source)}  {', '.join(v['processes'])}  {v['comment']}")


@cli.group()
def instances():
    """Process instances."""


@instances.command("start")
@click.argument("key")
@click.option("--data", default="{}", help="启动数据（JSON 对象）")
@click.option("--user", default="system")
@pass_lazy
def instances_start(lazy, key, data, user):
    actor = lazy.engine.actor_for(user) if user != "system" else None
    from engine import SYSTEM_ACTOR
    iid = lazy.engine.start(key, parse_json(data), actor or SYSTEM_ACTOR)
    click.echo(f"已启动流程实例 {iid}")


@instances.command("cancel")
@click.argument("instance_id", type=int)
@click.option("--reason", required=True)
@click.option("--user", default="admin")
@pass_lazy
def instances_cancel(lazy, instance_id, reason, user):
    lazy.engine.cancel(instance_id, lazy.engine.actor_for(user), reason)
    click.echo(f"已取消流程实例 {instance_id}")


@cli.group()
def tasks():
    """Human tasks."""


@tasks.command("list")
@click.option("--user", required=True)
@click.option("--box", type=click.Choice(["todo", "group", "done", "started"]), default=None)
@pass_lazy
def tasks_list(lazy, user, box):
    actor = lazy.engine.actor_for(user)
    for b in ([box] if box else ["todo", "group"]):
        rows, total = inbox(lazy.engine, actor, b, per_page=100)
        click.echo(f"[{b}] {total}")
        for r in rows:
            if b == "started":
                click.echo(f"  实例 {r['id']}  {r['process_key']}  {r['status']}  {r['title']}")
            else:
                due = f"  截止 {r['due_at']:%Y-%m-%d}" if r.get("due_at") else ""
                click.echo(f"  {r['id']:>6}  {r['name']}  实例 {r['instance_id']}  {r['title']}{due}")


@tasks.command("complete")
@click.argument("task_id")
@click.option("--data", default="{}")
@click.option("--user", required=True)
@click.option("--comment", default="")
@pass_lazy
def tasks_complete(lazy, task_id, data, user, comment):
    actor = lazy.engine.actor_for(user)
    result = lazy.engine.complete_task(task_id, parse_json(data), actor, comment=comment)
    click.echo(f"已办理：实例 {result['instance_id']} {result['element_id']}")


@cli.group()
def timers():
    """Timer events."""


@timers.command("fire")
@click.option("--now", "now_text", default=None, help="ISO 时间，默认当前时间")
@pass_lazy
def timers_fire(lazy, now_text):
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter("不是 ISO 8601 时间，例如 2027-06-30T09:00:00+08:00", param_hint="--now")
        if now.tzinfo is None:
            raise click.BadParameter("请带上时区，例如 +08:00", param_hint="--now")
    counts = lazy.engine.fire_due_timers(now)
    click.echo(f"到期 {counts['due']}，已触发 {counts['fired']}，跳过 {counts['skipped']}，出错 {counts['errors']}")


for _name in CLI_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if not (_name == exc.name or _name.startswith(f"{exc.name}.")):
            raise
        continue
    _module.register(cli)


def main():
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except EngineError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        for p in exc.details.get("problems", []):
            click.echo(f"  {p['file']} #{p['element']}: {p['message']}", err=True)
        sys.exit(2)
