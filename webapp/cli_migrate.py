"""``peidai instances migrate``: move running instances onto another model version from the
command line, with the same service and rules as the admin page 迁移实例 (:mod:`engine.migration`:
preview, then one audited engine command per instance). Without ``--yes`` it only shows the
preview::

    peidai instances migrate --from 2 --to 3                # preview: which can move, and why not
    peidai instances migrate --from 2 --to 3 --yes --comment "补充公示环节"
    peidai instances migrate --instance 41 --instance 42 --to 3 --yes
"""
from __future__ import annotations

import click

from engine import Actor

CLI_ACTOR = "cli"


def register(cli: click.Group) -> None:
    from peidai.cli import pass_lazy

    instances = cli.commands.get("instances")
    if not isinstance(instances, click.Group):
        @cli.group()
        def instances():
            """Process instances."""

    @instances.command("migrate")
    @click.option("--to", "target", type=click.IntRange(min=1), required=True, help="目标模型版本号")
    @click.option("--from", "source", type=click.IntRange(min=1), default=None, help="迁移此版本上全部运行中和已暂停的实例")
    @click.option("--instance", "instance_ids", type=click.IntRange(min=1), multiple=True, help="只迁移这些实例（可重复）")
    @click.option("--yes", is_flag=True, help="确认迁移；不给时只显示预览")
    @click.option("--comment", default="", help="迁移说明（记入审计记录）")
    @click.option("--as", "as_user", default=None, help="以哪个管理员的身份（默认：命令行管理员）")
    @pass_lazy
    def instances_migrate(lazy, target, source, instance_ids, yes, comment, as_user):
        """Preview moving instances onto version --to; with --yes, move those that can move."""
        from engine import migration
        from webapp.admin import operations
        engine = lazy.engine
        if not source and not instance_ids:
            raise click.UsageError("请用 --from 指定源版本，或用 --instance 指定实例")
        if target not in {v["version"] for v in engine.list_versions()}:
            raise click.BadParameter(f"模型版本 {target} 不存在", param_hint="--to")
        if len(comment) > 500:
            raise click.BadParameter("迁移说明不能超过 500 个字", param_hint="--comment")
        actor = engine.actor_for(as_user) if as_user else Actor(CLI_ACTOR, frozenset({(engine.config.admin_role, None)}))
        if not actor.has_role(engine.config.admin_role):
            raise click.ClickException(f"{actor.username} 不是系统管理员，不能迁移流程实例")
        ids = list(dict.fromkeys(instance_ids))
        if source and not ids:
            ids = [c["id"] for c in operations.instances(engine, version_id=source, statuses=("running", "suspended"),
                                                         limit=100000)]
        elif source:
            on_source = {c["id"] for c in operations.instances(engine, version_id=source, limit=100000)}
            if set(ids) - on_source:
                raise click.BadParameter(f"实例 {'、'.join(str(i) for i in ids if i not in on_source)} 不在版本 {source} 上",
                                         param_hint="--instance")
        ids = sorted(ids)
        if not ids:
            click.echo(f"版本 {source} 上没有运行中或已暂停的实例")
            return
        try:
            rows = migration.migrate(engine, ids, target, actor, comment) if yes else migration.preview(engine, ids, target)
        except Exception as exc:  # an unknown instance: say which, never a traceback
            message = getattr(exc, "message", None)
            if message is None:
                raise
            raise click.ClickException(message) from None
        for r in rows:
            done = "已迁移" if r.get("migrated") else "可以迁移" if r["movable"] and not yes else f"不能迁移：{r['reason']}"
            click.echo(f"实例 {r['instance_id']:>6}  版本 {r['from_version']} → {target}  {r['title'] or ''}  {done}")
        movable = sum(1 for r in rows if r["movable"])
        if yes:
            moved = sum(1 for r in rows if r.get("migrated"))
            click.echo(f"已迁移 {moved} 个实例，{len(rows) - moved} 个未迁移")
        else:
            click.echo(f"预览：{movable} 个可以迁移，{len(rows) - movable} 个不能迁移。确认迁移请加 --yes")
