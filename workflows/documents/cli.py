"""``peidai documents ...``: the CJK font check and rendering a document by hand."""
import click


def register(cli: click.Group) -> None:
    @cli.group("documents")
    def documents():
        """文书：附件1–3、聘书 (documents)."""

    @documents.command("check-fonts")
    def check_fonts():
        """Fail unless a CJK font is installed (run at start-up by deployment scripts)."""
        from .fonts import CJKFontMissing, check_cjk_font

        try:
            family = check_cjk_font()
        except CJKFontMissing as exc:
            raise click.ClickException(str(exc))
        click.echo(f"中文字体可用：{family}")

    @documents.command("render")
    @click.argument("kind", type=click.Choice(["nominee_list", "application_form", "agreement", "certificate"]))
    @click.argument("ref")
    def render(kind, ref):
        """Render (if stale) and print the stored file(s) of KIND for REF, e.g. ``certificate 12``, ``nominee_list 1:hongshan``."""
        from peidai.bootstrap import bootstrap

        from .service import produce
        from .sources import DocumentNotFound

        system = bootstrap()
        try:
            files = produce(system.engine, system.settings.data_dir, kind, ref, system.clock.now(), system.settings)
        except DocumentNotFound as exc:
            raise click.ClickException(str(exc))
        for fmt, file in files.items():
            click.echo(f"{fmt}\t{file.path}\tsha256={file.checksum}\t{'rendered' if file.rendered else 'current'}")
