"""Issue 17, "done when": a rehearsal of a selection round on a virtual clock delivers its
reminders by mail to a local SMTP server, from the command line (``peidai users import``,
``peidai outbox deliver --now``), and each reminded person receives exactly one mail per offset."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from io import BytesIO

from click.testing import CliRunner
from openpyxl import load_workbook

from peidai.cli import Lazy, cli
from peidai.settings import PROJECT_ROOT
from workflows.driver import Driver

from .smtp_server import use_smtp


def test_round_rehearsal_mails_each_reminded_person_once_per_offset(sqlite_database, clock, tmp_path, smtp_server):
    from tests.conftest import make_system
    inbox, port = smtp_server
    system = make_system(sqlite_database, clock, tmp_path)
    use_smtp(system, port)
    d = Driver(system)
    users = d.seed()
    d.deploy(PROJECT_ROOT / "bpmn")
    lazy = Lazy()
    lazy._system = system

    def run(*args):
        result = CliRunner().invoke(cli, [str(a) for a in args], obj=lazy)
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output

    # the units' people get their addresses from the contact list, filled in Excel
    listing = tmp_path / "contacts.xlsx"
    run("users", "import-template", listing)
    wb = load_workbook(listing)
    for row in wb.active.iter_rows(min_row=2):
        row[2].value = f"{row[0].value}@example.cn"
    out = BytesIO()
    wb.save(out)
    listing.write_bytes(out.getvalue())
    assert f"修改了 {len(users)} 个账号的联系方式" in run("users", "import", listing)

    round_iid = d.open_round(2014)
    reminders = system.engine.instance_detail(round_iid)["data"]["reminders"]
    offsets = [r["days"] for r in reminders]
    assert len(offsets) >= 3
    unit_people = {u for u, _n, ms in users if any(r in ("unit_submitter", "unit_reviewer") for r, _s in ms)}
    for reminder in reminders:
        moment = datetime.fromisoformat(reminder["at"])
        d.fire(moment)                                       # the round wakes at the reminder's moment
        run("outbox", "deliver", "--now", moment.isoformat())
        run("outbox", "deliver", "--now", moment.isoformat())   # delivering again sends nothing twice

    received = Counter()
    for mail in inbox.mails:
        days = re.search(r"还剩 (\d+) 天", mail["body"])
        if days:
            for to in mail["to"]:
                received[(to.split("@")[0], int(days.group(1)))] += 1
    assert set(received.values()) == {1}
    assert received.keys() == {(person, days) for person in unit_people for days in offsets}
