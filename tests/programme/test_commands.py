"""``peidai demo`` and ``peidai simulate``."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from click.testing import CliRunner
from sqlalchemy import func, select

from peidai.cli import cli
from peidai.settings import PROJECT_ROOT, Settings
from workflows.demo import load
from workflows.simulate import simulate
from workflows.tables import Assessment, Mentorship, Nomination, Round


def test_demo_loads_rounds_nominations_in_several_states_and_mentors_in_their_second_year(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    from peidai.bootstrap import bootstrap
    from peidai.db import upgrade
    upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path, secret_key="x", testing=True)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    logins = load(settings, PROJECT_ROOT / "bpmn", echo=lambda *_: None, now=now)
    roles = {r.split("(")[0] for _, _, rs in logins for r in rs.split(", ")}
    assert {"admin", "talent_section", "director", "unit_submitter", "unit_reviewer", "expert", "mentor", "mentee"} <= roles
    system = bootstrap(settings)
    with system.sessions() as s:
        assert [(r.year, r.status) for r in s.scalars(select(Round).order_by(Round.year))] == [(2025, "published"), (2027, "open")]
        states = set(s.scalars(select(Nomination.status).where(Nomination.round_id == 2)))
        assert {"draft", "ineligible", "returned", "submitted", "rejected"} <= states
        ships = s.scalars(select(Mentorship)).all()
        assert ships and all(m.status == "active" and m.started_at.year == 2025 for m in ships)
        assert s.scalar(select(func.count()).select_from(Assessment).where(Assessment.year_no == 1)) == len(ships)
    system.dispose()


def test_simulate_is_deterministic_and_its_counts_add_up():
    a = simulate(30, 3, 7)
    b = simulate(30, 3, 7)
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    assert a["nominations"] == 30
    assert a["certificates"] == a["signed_off"] == a["mentors"]
    assert a["mentees"] == 5 * a["mentors"]
    assert a["disqualified"] <= a["unqualified"]
    assert a["assessments"] == a["qualified"] + a["unqualified"]
    assert a["nominations"] == (a["withdrawn"] + a["expired"] + a["rejected_by_unit"] + a["not_recommended"]
                                + a["declined_at_sign_off"] + a["signed_off"])
    assert a["second_tier"] % 5 == 0 and a["instances_failed"] == 0
    # the list signed in one act: everyone the committee recommended is on it, signed or struck out
    assert a["recommended_by_committee"] == a["on_signed_list"] + a["declined_at_sign_off"]
    assert a["on_signed_list"] == a["signed_off"]


def test_simulate_command_prints_one_json_object():
    result = CliRunner().invoke(cli, ["simulate", "--nominations", "5", "--years", "1", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("nominations", "eligible", "returned", "rejected_by_unit", "recommended_by_committee", "signed_off",
                "certificates", "mentors", "mentees", "assessments", "qualified", "unqualified", "disqualified",
                "second_tier", "reminders_sent", "seconds"):
        assert key in data
