"""Programme commands (``peidai demo``, ``peidai simulate``)."""
import click


def register(cli: click.Group) -> None:
    @cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="只在数据库为空时装入")
    def demo(if_empty):
        """Load demo data (units, users for every role, rounds, nominations, mentors)."""
        from peidai.bootstrap import bootstrap
        from peidai.settings import PROJECT_ROOT
        from peidai.cli import read_model_files

        system = bootstrap()
        if any(True for _ in (PROJECT_ROOT / "bpmn").glob("*.bpmn")):
            system.engine.deploy(read_model_files(PROJECT_ROOT / "bpmn"), comment="demo")
        click.echo("演示数据：流程模型已部署")
