"""The script sandbox (DESIGN.md invariant 8) and the parser's process-level properties."""
from __future__ import annotations

import json
import re

import pytest

from engine import InvalidState, ScriptSecurityError
from engine.queries import instance_tasks
from engine.tables import OutboxMessage
from engine.registry import validate
from engine.spiff import RestrictedEnvironment, ScriptLimitError, check_script, parse_files, sandbox_limits
from tests.conftest import FIXTURES, read_models

FAST = {"cpu_seconds": 0.2, "value_bytes": 8 * 2**20, "memory_bytes": 64 * 2**20}  # tests never wait for the production limits


@pytest.fixture
def env():
    with sandbox_limits(**FAST):
        yield RestrictedEnvironment()


def run(env, source, data=None):
    context = dict(data or {"x": 1, "y": [1, 2], "e": "text", "d": {"a": 1}})
    env.execute(source, context)
    return context


# --------------------------------------------------------------------------- refused statically

REFUSED = [
    # frames, code objects and builtins through generators, coroutines, functions, tracebacks
    ("g = (i for i in [1])\nf = g.gi_frame", "属性 gi_frame"),
    ("g = (i for i in [1])\nc = g.gi_code", "属性 gi_code"),
    ("f = (i for i in [1]).gi_frame.f_globals", "属性 f_globals"),
    ("b = x.f_builtins", "属性 f_builtins"),
    ("b = x.f_back", "属性 f_back"),
    ("b = x.f_locals", "属性 f_locals"),
    ("c = x.cr_frame", "属性 cr_frame"),
    ("c = x.ag_frame", "属性 ag_frame"),
    ("c = x.co_consts", "属性 co_consts"),
    ("c = x.func_globals", "属性 func_globals"),
    ("c = x.tb_next", "属性 tb_next"),
    ("try:\n    1 / 0\nexcept Exception as err:\n    t = err.__traceback__", "属性 __traceback__"),
    ("try:\n    1 / 0\nexcept Exception as err:\n    t = err.with_traceback(None)", "属性 with_traceback"),
    ("def f():\n    pass\ng = f.__globals__", "属性 __globals__"),
    ("c = ().__class__.__base__.__subclasses__()", "属性 __subclasses__"),
    ("c = [].mro", "属性 mro"),
    ("b = __builtins__", "下划线开头的名称 __builtins__"),
    ("b = _private", "下划线开头的名称 _private"),
    ("b = _pd", "下划线开头的名称 _pd"),
    # str.format field access, format_map, f-string attribute access
    ("s = '{0.gi_frame}'.format((i for i in []))", "属性 format"),
    ("s = str.format('{0.gi_frame}', (i for i in []))", "属性 format"),
    ("s = '{g.gi_frame}'.format_map({'g': 1})", "属性 format_map"),
    ("s = f'{(i for i in []).gi_frame}'", "属性 gi_frame"),
    ("s = f'{x.__class__}'", "属性 __class__"),
    # reflection, imports and the syntax model code does not need
    ("import os", "import"),
    ("from os import path", "import"),
    ("f = getattr(x, 'real')", "getattr"),
    ("f = vars()", "vars"),
    ("t = type(x)", "type"),
    ("o = object", "object"),
    ("s = '__class__'", "特殊名称 __class__"),
    ("class A:\n    pass", "类定义"),
    ("async def f():\n    pass", "异步语法"),
    ("def f():\n    yield 1", "yield"),
    ("f = lambda: (yield)", "yield"),
    ("@len\ndef f():\n    pass", "装饰器"),
    ("global x", "global"),
    ("with x:\n    pass", "with 语句"),
    ("match x:\n    case str():\n        pass", "match 语句"),
    ("x.real = 1", "属性赋值"),
    ("str = 1", "内置名称 str 作为变量名"),
    ("def f(range):\n    return range", "内置名称 range 作为变量名"),
    ("pad = 'a'.ljust", "未直接调用的方法 .ljust"),
    ("b = (1).to_bytes(10**9, 'big')", "属性 to_bytes"),
]


@pytest.mark.parametrize("source, says", REFUSED, ids=[s for s, _ in REFUSED])
def test_escapes_are_refused_before_anything_runs(env, source, says):
    with pytest.raises(ScriptSecurityError) as refused:
        check_script(source)
    assert says in refused.value.message and "不允许使用" in refused.value.message
    with pytest.raises(ScriptSecurityError):
        run(env, source)


# --------------------------------------------------------------------------- budget at run time

TIME = "脚本运行超过时间限制（0.2 秒）"
TOO_BIG = "脚本生成的值过大"
INT_BIG = "脚本中的整数运算结果过大"
MEMORY = "脚本占用内存超过限制（64 MB）"
BIG_OR_TIME = f"{TOO_BIG}|{TIME}"  # measuring a shared structure takes time too

LIMITED = [
    ("while True:\n    pass", TIME),
    ("n = 0\nwhile True:\n    n = n + 1", TIME),
    ("try:\n    while True:\n        pass\nexcept Exception:\n    pass", TIME),  # catching the error does not help
    ("while True:\n    try:\n        while True:\n            pass\n    except Exception:\n        pass", TIME),
    ("r = [[i * j for i in range(10**4)] for j in range(10**4)]", TIME),
    ("r = sum(1 for i in range(10**6) for j in range(10**6))", TIME),
    ("r = [len(list(map(lambda i: i, range(10**6)))) for k in range(100)]", TIME),
    ("def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nr = f(60)", TIME),
    ("def f(n):\n    try:\n        return f(n + 1)\n    except Exception:\n        return f(n + 1)\nf(0)", TIME),
    ("def f():\n    return f()\nf()", "脚本递归层数过深"),
    ("r = (lambda f: f(f))(lambda f: f(f))", "脚本递归层数过深"),
    ("r = [0] * 10**10", TOO_BIG),
    ("r = 'a' * 10**10", TOO_BIG),
    ("r = f'{\"x\" * 10**10}'", TOO_BIG),
    ("r = 10**10**10", INT_BIG),
    ("r = 2 ** 10**8", INT_BIG),
    ("r = 1 << 10**9", INT_BIG),
    ("r = 9 ** 9 * 9 ** 10**7", INT_BIG),
    ("r = 2 ** 2 ** 2000", INT_BIG),
    ("r = (2 ** 99999) ** 2", INT_BIG),
    ("r = list(range(10**10))", "range 的长度超过限制"),
    ("r = len(range(10**12))", "range 的长度超过限制"),
    ("s = 'ab'\nwhile True:\n    s += s", TOO_BIG),
    ("l = ['a' * 10**6]\nfor i in range(60):\n    l = l + l", TOO_BIG),
    ("l = [1]\nwhile True:\n    l *= 2", TOO_BIG),
    ("t = (0,)\nfor i in range(100):\n    t = (t, t)", BIG_OR_TIME),
    ("t = (0,)\n" + "t = (t, t)\n" * 100, BIG_OR_TIME),
    ("t = (0,)\nfor i in range(100):\n    t = tuple(t for k in [0, 1])", BIG_OR_TIME),
    ("T = tuple\nt = (0,)\nfor i in range(100):\n    t = T(map(lambda k: t, [0, 1]))", BIG_OR_TIME),
    ("l = [0]\nfor i in range(100):\n    l = [l] * 2", BIG_OR_TIME),
    ("r = 'x'.ljust(10**10)", TOO_BIG),
    ("r = 'x'.center(10**10)", TOO_BIG),
    ("r = '1'.zfill(10**10)", TOO_BIG),
    ("r = 'a\\t'.expandtabs(10**10)", TOO_BIG),
    ("r = ('a' * 10**6).replace('a', 'a' * 10**4)", TOO_BIG),
    ("r = ('a' * 10**4).join(['b'] * 10**5)", TOO_BIG),
    ("r = str.join('', ['a' * 10**6] * 10**2)", TOO_BIG),
    ("r = f'{1:>{10**9}}'", "格式宽度或精度超过限制"),
    ("r = format(1, '>1000000000')", "格式宽度或精度超过限制"),
    ("r = '%1000000000d' % 1", "格式宽度或精度超过限制"),
    ("r = '%*d' % (10**9, 1)", "不允许用 * 指定宽度"),
    ("r = int('9' * 100000)", "转换为整数的文本过长"),
    ("r = round(5, -10**9)", "round 的位数超过限制"),
    ("b = ['a' * 1000] * 1000\nr = str([b] * 1000)", TOO_BIG),
    ("b = ['a' * 1000] * 1000\nr = repr([b for i in range(1000)])", TOO_BIG),
    ("b = ['a' * 1000] * 1000\nr = f'{[b for i in range(1000)]!r}'", TOO_BIG),
    ("b = ['a' * 1000] * 1000\nr = '%s' % ([b for i in range(1000)],)", TOO_BIG),
    ("b = [0] * 10**6\nr = sorted([b for i in range(100)], key=str)", TOO_BIG),
    ("r = sum([[0] * 10**6 for i in range(100)], [])", TOO_BIG),
    ("b = 'a' * 10**6\nr = {i: b for i in range(1000)}", TOO_BIG),  # what it leaves in the data
    ("r = [0]\nfor i in range(1000):\n    r = [r]", "嵌套过深"),
    ("r = (i for i in [1])", "不能保存的值"),
    ("r = d.keys()", "不能保存的值（r：dict_keys）"),
    ("def f():\n    pass\nr = {'f': [f]}", "不能保存的值（r：function）"),
    ("r = [(i for i in [1])]", "不能保存的值（r：generator）"),
    # memory that grows by small steps, each under the value limit
    ("l = []\nfor i in range(10**6):\n    l.append([0] * 10**5)", MEMORY),
    ("r = [[0] * 10**5 for i in range(10**6)]", MEMORY),
    ("x = [1] * 10**5\nx.sort(key=lambda v: [v] * 10**5)", MEMORY),
    ("r = list(zip(*[range(10**6)] * 10**5))", MEMORY),
]


@pytest.mark.parametrize("source, says", LIMITED, ids=[s[:60] for s, _ in LIMITED])
def test_runaway_code_is_stopped_with_a_clear_message(env, source, says):
    check_script(source)  # passes the static check: only the budget stops it
    with pytest.raises(ScriptLimitError if "不能保存" not in says else ScriptSecurityError) as stopped:
        run(env, source)
    assert any(alternative in stopped.value.message for alternative in says.split("|")), stopped.value.message


def test_a_limit_error_from_an_expression_is_the_same_error(env):
    with pytest.raises(ScriptLimitError, match="时间限制"):
        env.evaluate("len([i for i in range(10**6) for j in range(10**6)])", {})
    with pytest.raises(ScriptLimitError, match="过大"):
        env.evaluate("[b] * 10**5", {"b": "a" * 10**4})
    with pytest.raises(ScriptLimitError, match="过大"):
        env.evaluate("dict.fromkeys(keys, b)", {"keys": list(range(10**4)), "b": "a" * 10**4})


def test_a_huge_exception_message_is_cut_short(env):
    with pytest.raises(KeyError) as raised:
        env.evaluate("d[k]", {"d": {}, "k": ("a" * 1000,) * 10**5})
    assert len(str(raised.value)) < 3000
    with pytest.raises(ValueError) as raised:
        run(env, "raise ValueError('x' * 10**6)")
    assert len(str(raised.value)) < 3000
    with pytest.raises(ValueError) as raised:
        run(env, "raise ValueError(2 ** 99999)")  # its text would exceed the int-to-text limit
    assert str(raised.value) == "<int>"


# --------------------------------------------------------------------------- what models need still works

def test_legitimate_scripts_and_expressions_still_work(env):
    data = run(env, "\n".join([
        "agree = len([o for o in opinions if (o or {}).get('vote') == 'agree'])",
        "recommended = len(opinions) > 0 and agree * rule_den >= len(opinions) * rule_num",
        "names = sorted({o['by'] for o in opinions}, key=len)",
        "total = sum(o['score'] for o in opinions) + max(o['score'] for o in opinions) ** 2",
        "label = f\"{agree}/{len(opinions)} 同意，平均 {total / len(opinions):.2f} 分\" + '!' * 3",
        "pad = str(agree).zfill(3) + '-'.join(map(str, range(3))) + '%d%%' % 50",
        "rows = []",
        "for i, o in enumerate(opinions):",
        "    rows.append({'i': i, 'by': o['by'].upper(), 'tags': [t.strip() for t in 'a, b'.split(',')]})",
        "rows += [{'i': -1}]",
        "counts = {}",
        "for o in opinions:",
        "    counts[o['vote']] = counts.get(o['vote'], 0) + 1",
        "counts['agree'] += 10",
        "def double(n):",
        "    return n * 2",
        "doubled = list(map(double, [1, 2])) + [min(3, 4, key=lambda v: -v)] + [a * b for a, b in zip([1], [4])]",
        "ok = isinstance(label, str) and isinstance(agree, (int, float))",
        "lowered = sorted(['b', 'A'], key=str.lower) + [str.upper('c'), str.join('+', ['d', 'e'])]",
        "zeros = len([0] * 10**5) + 2 ** 64 % 7",
        "year = int('2014') + round(2.5) + abs(-1)",
        "try:",
        "    bad = int('x')",
        "except ValueError:",
        "    bad = None",
    ]), {"opinions": [{"vote": "agree", "by": "e1", "score": 3}, {"vote": "no", "by": "e22", "score": 5}],
         "rule_num": 2, "rule_den": 3})
    assert data["agree"] == 1 and data["recommended"] is False
    assert data["names"] == ["e1", "e22"] and data["total"] == 33
    assert data["label"] == "1/2 同意，平均 16.50 分!!!"
    assert data["pad"] == "0010-1-250%"
    assert data["rows"][1] == {"i": 1, "by": "E22", "tags": ["a", "b"]} and data["rows"][-1] == {"i": -1}
    assert data["counts"] == {"agree": 11, "no": 1}
    assert data["doubled"] == [2, 4, 4, 4] and data["ok"] is True and data["year"] == 2017 and data["bad"] is None
    assert data["lowered"] == ["A", "b", "C", "d+e"] and data["zeros"] == 10**5 + 2**64 % 7
    assert "double" not in data  # functions are not left in task data
    assert env.evaluate("f'年龄{age}岁，超过55岁'", {"age": 60}) == "年龄60岁，超过55岁"
    assert env.evaluate("year_index < len(anniversaries)", {"year_index": 0, "anniversaries": [1]}) is True
    assert env.evaluate("anniversary['at']", {"anniversary": {"at": "2015-01-01"}}) == "2015-01-01"


def test_every_shipped_model_validates_and_its_code_passes_the_checker():
    from workflows.wiring import engine_config

    parsed, problems = validate(read_models(FIXTURES.parent.parent / "bpmn"), engine_config())
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_validation_never_runs_model_code(monkeypatch):
    import engine.spiff.sandbox as sandbox

    def no_eval(*args, **kwargs):
        raise AssertionError("model code ran during validation")

    monkeypatch.setattr(sandbox.RestrictedEnvironment, "evaluate", no_eval)
    monkeypatch.setattr(sandbox.RestrictedEnvironment, "execute", no_eval)
    files = read_models(FIXTURES / "models")
    files["approval.bpmn"] = files["approval.bpmn"].replace("'P1Y'", "len([i for i in range(10**9)]) and 'P1Y'")
    _, problems = validate(files, _config())
    assert [p for p in problems if p.severity == "error"] == []  # reads no data? it does: range is a name
    files["approval.bpmn"] = files["approval.bpmn"].replace("len([i for i in range(10**9)]) and 'P1Y'", "'P' + '1Y'")
    _, problems = validate(files, _config())
    assert any("须写成字面量" in p.message for p in problems)


def test_dmn_cells_are_checked_at_validation():
    files = read_models(FIXTURES.parent.parent / "bpmn")
    files["eligibility.dmn"] = re.sub(r'(<inputEntry id="[^"]+"><text>)[^<-][^<]*(</text>)', r"\1&gt; ().__class__\2",
                                      files["eligibility.dmn"], count=1)
    assert "().__class__" in files["eligibility.dmn"]
    problems = [str(p) for p in parse_files(files).problems]
    assert any("eligibility.dmn" in p and "决策表单元格" in p and "__class__" in p for p in problems), problems


# --------------------------------------------------------------------------- in a deployed model

START = {"unit_id": "u1", "category": "professional", "experts": ["e1", "e2"], "years": 3}
RUNAWAY = "n = 0\nwhile True:\n    n = n + 1"
# a script task between the yearly timer and the yearly task: it runs when the timer fires
TIMER_RUNAWAY = (
    '<bpmn:sequenceFlow id="Y2" sourceRef="Timer_Year" targetRef="Script_Runaway" />'
    f'<bpmn:scriptTask id="Script_Runaway" name="失控脚本"><bpmn:script>{RUNAWAY}</bpmn:script></bpmn:scriptTask>'
    '<bpmn:sequenceFlow id="Y2b" sourceRef="Script_Runaway" targetRef="Task_Annual" />')


@pytest.fixture
def people(add_user):
    return {n: add_user(n, *m) for n, m in {
        "sub": [("unit_submitter", "u1")], "rev": [("unit_reviewer", "u1")],
        "e1": [("expert", "professional")], "e2": [("expert", "professional")]}.items()}


def _open(engine, iid, element):
    return [t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == element]


def _to_experts(engine, people, iid):
    engine.complete_task(_open(engine, iid, "Task_Fill")[0]["id"], {"name": "张三", "unit": "红山区"}, people["sub"])
    engine.complete_task(_open(engine, iid, "Task_Review")[0]["id"], {"decision": "approve"}, people["rev"])
    return sorted(_open(engine, iid, "Task_Experts"), key=lambda t: t["assignee"])


def test_a_runaway_script_fails_its_command_cleanly_and_the_engine_goes_on(engine, people):
    files = read_models(FIXTURES / "models")
    files["approval.bpmn"] = files["approval.bpmn"].replace("<bpmn:script>year = 0</bpmn:script>",
                                                            f"<bpmn:script>{RUNAWAY}</bpmn:script>")
    engine.deploy(files, comment="runaway")
    iid = engine.start("approval", START, people["sub"])
    first, second = _to_experts(engine, people, iid)
    engine.complete_task(first["id"], {"opinion": "yes"}, people["e1"])
    with sandbox_limits(**FAST), pytest.raises(InvalidState) as failed:
        engine.complete_task(second["id"], {"opinion": "no"}, people["e2"])  # the last opinion runs the scripts
    assert "Script_Init" in failed.value.message and "脚本运行超过时间限制（0.2 秒）" in failed.value.message
    assert engine.instance(iid)["status"] == "running"
    assert _open(engine, iid, "Task_Experts")[0]["id"] == second["id"]  # nothing of the command stayed
    other = engine.start("approval", START, people["sub"])  # the next commands work
    assert len(_to_experts(engine, people, other)) == 2


def test_a_runaway_script_behind_a_timer_becomes_an_incident(engine, clock, people):
    files = read_models(FIXTURES / "models")
    files["approval.bpmn"] = files["approval.bpmn"].replace(
        '<bpmn:sequenceFlow id="Y2" sourceRef="Timer_Year" targetRef="Task_Annual" />', TIMER_RUNAWAY)
    engine.deploy(files, comment="runaway timer")
    iid = engine.start("approval", START, people["sub"])
    for t in _to_experts(engine, people, iid):
        engine.complete_task(t["id"], {"opinion": "yes"}, people[t["assignee"]])
    clock.advance(days=367)
    with sandbox_limits(**FAST):
        counts = engine.fire_due_timers()
    assert counts["errors"] == 1
    instance = engine.instance(iid)
    assert instance["status"] == "error" and "脚本运行超过时间限制" in instance["error"]
    with engine.sessions() as s:
        incidents = s.query(OutboxMessage).filter(OutboxMessage.topic == "incident").all()
    assert [(m.instance_id, json.loads(m.payload_json)["instance_id"]) for m in incidents] == [(iid, iid)]
    other = engine.start("approval", START, people["sub"])
    assert len(_to_experts(engine, people, other)) == 2


def _config():
    from workflows.wiring import engine_config

    return engine_config()


# --------------------------------------------------------------------------- parsing: process properties

PROCESS_PROPERTIES = """
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="startRoles" value="submitter,talent" />
        <spiffworkflow:property name="startForm" value="forms/fill.schema.json" />
      </spiffworkflow:properties>
    </bpmn:extensionElements>"""


def _approval_with(properties: str) -> dict[str, str]:
    files = read_models(FIXTURES / "models")
    text = re.sub(r'(<bpmn:process id="approval"[^>]*>)\s*<bpmn:extensionElements>.*?</bpmn:extensionElements>', r"\1",
                  files["approval.bpmn"], count=1, flags=re.S)
    files["approval.bpmn"] = re.sub(r'(<bpmn:process id="approval"[^>]*>)', lambda m: m.group(1) + properties, text, count=1)
    return files


def test_parse_files_reads_process_level_properties_and_the_xsd_accepts_them():
    parsed = parse_files(_approval_with(PROCESS_PROPERTIES))
    assert [p for p in parsed.problems if p.severity == "error"] == []
    assert parsed.process_properties["approval"] == {"startRoles": "submitter,talent", "startForm": "forms/fill.schema.json"}
    # element properties stay with their elements
    assert "startRoles" not in str(parsed.elements["approval"])


def test_processes_without_properties_have_an_empty_table():
    parsed = parse_files(_approval_with(""))
    assert parsed.process_properties == {"approval": {}}
