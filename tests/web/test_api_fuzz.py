"""Property-based fuzzing of /api/v1 with schemathesis, in process against the Flask app.

The app runs on a real database (SQLite, and PostgreSQL where the server runs) with the
programme's own models (``bpmn/``), its units and users, an open selection round and nominations
at two steps. Every documented operation is called with
data generated from the OpenAPI document (/api/v1/openapi.json): valid data (positive) and data
that breaks the document (negative: wrong types, missing fields, out-of-range numbers, hostile
strings), as an overseer (talent section), a unit submitter, a user without any role, and
anonymously; path ids are sometimes real records of the seeded database.

Each response must be documented (status, content type, body schema), never a 5xx, and data that
breaks the document must be refused with a 4xx. Example counts are bounded and the generation is
derandomized, so a run is reproducible and takes well under a minute or two on two cores.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

from engine.identity import upsert_user
from peidai.settings import PROJECT_ROOT
from tests.conftest import PG_ADMIN_URL, Database, _create_pg_database, _drop_pg_database, make_system, require_server
from webapp import create_app
from webapp.users import issue_token

MAX_EXAMPLES = {"sqlite": 12, "postgresql": 6}  # per operation and mode (about fifty operations)
USERS = ("section", "hongshan_sub", "hongshan_rev", "nobody", None)  # None: no token at all
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
OWN_ACCOUNT = ("/notifications/read",)   # a user's own messages: marking them read is everyone's right
ID_PARAMS = ("task_id", "instance_id", "round_id", "nomination_id")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    """One seeded system per database for the whole module, on a database of its own (the other
    tests reset the shared ones)."""
    from engine import VirtualClock
    from workflows.driver import Driver, sample_application

    root = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        database = Database(f"sqlite:///{root / 'fuzz.sqlite'}", "sqlite")
    else:
        require_server("PostgreSQL", "127.0.0.1", 5432)
        name = _create_pg_database()
        request.addfinalizer(lambda: _drop_pg_database(name))
        database = Database(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, "postgresql")
    clock = VirtualClock("2014-05-19T09:00:00+08:00")
    system = make_system(database, clock, root)
    d = Driver(system)
    d.seed(experts_per_panel=2)
    d.deploy(PROJECT_ROOT / "bpmn")
    with system.engine.unit_of_work() as s:
        upsert_user(s, "nobody", "无角色用户", memberships=[])
    round_iid = d.open_round(2014)
    round_id = system.engine.instance_detail(round_iid)["data"]["round_id"]
    filled = d.nominate(round_id, "hongshan")
    d.complete(filled, "Task_Fill", sample_application("张三"))
    d.nominate(round_id, "songshan")
    d.nominate(round_id, "hongshan")
    app = create_app(system, TESTING=True)
    tokens = {u: issue_token(system.engine, u) for u in USERS if u}
    yield {"app": app, "system": system, "tokens": tokens, "round_id": round_id, "backend": request.param}
    system.dispose()
    database.engine.dispose()  # before the PostgreSQL database is dropped (finalizers run after)


@pytest.fixture(scope="module")
def api_schema(world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world["app"])


def _operations():
    """Every operation of the generated document; cancelling and revoking last, so that the others
    meet running instances and live tokens."""
    from webapp.api import standalone_document
    labels = [f"{method.upper()} {path}" for path, ops in standalone_document()["paths"].items() for method in ops
              if method in ("get", "post", "put", "patch", "delete")]
    return sorted(labels, key=lambda label: label.endswith("/cancel") or label.startswith("DELETE /tokens"))


@pytest.fixture(autouse=True)
def live_tokens(world):
    """A user may revoke its own token (DELETE /tokens/{token_id} with a generated id): give it a
    new one before the next test."""
    from webapp.users import user_for_token
    engine = world["system"].engine
    for user, token in list(world["tokens"].items()):
        if user_for_token(engine, token) is None:
            world["tokens"][user] = issue_token(engine, user)


PROCESS_KEYS = ("nomination", "selection_round", "benefit_application", "mentoring", "assessment", "approval", "nope")


def _record_ids(system) -> dict[str, list[int]]:
    """The ids of the records in the database now (earlier operations add and finish some)."""
    from sqlalchemy import select

    from engine.tables import HumanTask, Instance
    with system.sessions() as s:
        from workflows.tables import Nomination, Round
        return {"task_id": list(s.scalars(select(HumanTask.id).order_by(HumanTask.id))),
                "instance_id": list(s.scalars(select(Instance.id).order_by(Instance.id))),
                "round_id": list(s.scalars(select(Round.id).order_by(Round.id))),
                "nomination_id": list(s.scalars(select(Nomination.id).order_by(Nomination.id)))}


def _cases(operation, mode, ids):
    """Generated cases; where the path names a record, half of them use a record of the seeded
    database (the rest of the request is generated as usual, broken on purpose in hostile mode)."""
    cases = operation.as_strategy(generation_mode=mode)
    raw = operation.definition.raw
    id_name = next((n for n in ID_PARAMS if "{%s}" % n in operation.path), None)
    has_more = "requestBody" in raw or any(p.get("in") != "path" for p in raw.get("parameters", []))
    if id_name and (mode is GenerationMode.POSITIVE or has_more):
        cases = st.one_of(cases, st.sampled_from(ids[id_name]).flatmap(
            lambda i: operation.as_strategy(generation_mode=mode, path_parameters={id_name: i})))
    if "parameters" in raw or "requestBody" in raw:
        # cases that only break the credentials would crowd out the rest: the anonymous user covers them
        cases = cases.filter(lambda c: not operation.schema.is_security_param_negated(c))
    return cases


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "hostile"])
@pytest.mark.parametrize("label", _operations())
def test_api_fuzz_no_server_error_and_documented_responses(api_schema, world, label, mode):
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @given(case=_cases(operation, mode, _record_ids(world["system"])), user=st.sampled_from(USERS), key=st.sampled_from(PROCESS_KEYS),
           start=st.booleans())
    @settings(max_examples=MAX_EXAMPLES[world["backend"]], deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case, user, key, start):
        # starts: a real process key, sometimes with start data that fit (valid cases only)
        if mode is GenerationMode.POSITIVE and operation.path == "/instances" and isinstance(case.body, dict):
            case.body["process_key"] = key
            if start and key == "nomination":
                case.body["data"] = {"round_id": world["round_id"], "unit_id": "hongshan"}
        send_token = user and not api_schema.is_security_param_negated(case)
        headers = {"Authorization": f"Bearer {world['tokens'][user]}"} if send_token else {}
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_api_fuzz_an_unprivileged_user_changes_and_sees_nothing(api_schema, world):
    """A user without any role, sending whatever the document allows (and what it does not) to
    every operation with real record ids: never a 2xx for a change, never a record in a list,
    never a 5xx; and the database is as before."""
    from sqlalchemy import func, select

    from engine.tables import AuditEvent, Instance
    system = world["system"]
    token = {"Authorization": f"Bearer {world['tokens']['nobody']}"}

    def counts():
        with system.sessions() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent)), s.scalar(select(func.count()).select_from(Instance))

    before = counts()
    ids = _record_ids(system)
    operations = [api_schema[path][method] for method, path in (label.split(" ", 1) for label in _operations())
                  if path != "/tokens/{token_id}"]   # revoking one's own token is the user's right (and audited)
    cases = st.one_of([_cases(op, mode, ids) for op in operations for mode in GenerationMode])

    @given(case=cases, key=st.sampled_from(PROCESS_KEYS))
    @settings(max_examples=4 * MAX_EXAMPLES[world["backend"]], deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case, key):
        if case.operation.path == "/instances" and isinstance(case.body, dict) and case.meta.generation.mode.is_positive:
            case.body["process_key"] = key
        response = case.call_and_validate(headers={} if api_schema.is_security_param_negated(case) else token, checks=CHECKS)
        if case.method == "POST" and case.operation.path not in OWN_ACCOUNT:
            assert response.status_code >= 400, (case.path, response.status_code)
        elif response.status_code == 200 and case.operation.path in ("/tasks", "/mentors", "/nominations", "/mentorships",
                                                                     "/assessments", "/benefits", "/certificates",
                                                                     "/notifications", "/documents"):
            assert response.json()["items"] == [], case.path

    run()
    assert counts() == before
