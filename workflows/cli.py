"""Programme commands: ``peidai demo`` and ``peidai simulate``."""
from __future__ import annotations

import json

import click


def register(cli: click.Group) -> None:
    @cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="只在数据库中还没有评选数据时装入")
    @click.option("--password", default="peidai2014", show_default=True, help="所有演示账号的密码")
    def demo(if_empty, password):
        """Load demo data: units, a user for every role, a past round whose mentors are in their
        second year, and an open round with nominations in several states."""
        from peidai.bootstrap import bootstrap
        from peidai.settings import PROJECT_ROOT, Settings

        from .demo import has_data, load, print_logins

        settings = Settings.from_env()
        probe = bootstrap(settings)
        try:
            if has_data(probe):
                if if_empty:
                    click.echo("数据库中已有用户或评选数据，跳过演示数据")
                    return
                raise click.ClickException("数据库中已有用户或评选数据；演示数据只能装入空数据库")
        finally:
            probe.dispose()
        logins = load(settings, PROJECT_ROOT / "bpmn", password=password)
        click.echo("演示数据已装入：往届评选（培带人已进入第二年）、本届评选（推荐处于不同阶段）")
        print_logins(logins, click.echo, password)

    @cli.command("simulate")
    @click.option("--nominations", default=100, show_default=True, type=click.IntRange(1, 100000), help="每轮推荐人数")
    @click.option("--years", default=3, show_default=True, type=click.IntRange(1, 30), help="模拟年数（每三年一轮评选）")
    @click.option("--seed", default=1, show_default=True, type=int, help="随机种子：相同种子结果相同")
    @click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象")
    @click.option("--database", default=None, help="数据库 URL（默认使用临时 SQLite 数据库）")
    def simulate(nominations, years, seed, as_json, database):
        """Run whole rounds through the engine on a virtual clock with synthetic decisions."""
        from .simulate import simulate as run

        result = run(nominations, years, seed, database)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
            return
        for key, value in result.items():
            click.echo(f"{key:<28} {value}")
