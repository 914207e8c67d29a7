"""``peidai simulate``: whole rounds of the programme through the engine's service API on a
virtual clock, with synthetic but plausible decisions. The same seed gives the same result.

A round opens on 19 May of every third year (2014, 2017, ...) inside the simulated span; each
round receives ``nominations`` applications from the units over the following five weeks, each
reviewed by its unit a few days later, before the 30 June deadline. Some
candidates are ineligible (and withdraw or correct their application), units return and reject
some, experts vote by the candidate's merit, the director signs off, mentors register five
mentees, units assess them every year, and some are found unqualified. The round closes at its deadline (the same round_window the talent
section works in), the committee reviews each submitted nomination, the talent section prepares the
list and the director signs it as a whole, striking a few out; certificates follow the signed list.
"""
from __future__ import annotations

import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from engine import VirtualClock
from engine.tables import HumanTask, Instance, OutboxMessage

from . import dates
from . import rules as programme_rules
from .driver import Driver, sample_application, sample_mentees
from .tables import (Assessment, Certificate, Mentee, Mentorship, Nomination, PoolEntry, SecondTierCandidate)
from .units import UNITS

START = "2014-05-19T09:00:00+08:00"
KEYS = ("nominations", "eligible", "returned", "rejected_by_unit", "recommended_by_committee", "signed_off",
        "certificates", "mentors", "mentees", "assessments", "qualified", "unqualified", "disqualified", "second_tier",
        "reminders_sent", "on_signed_list", "seconds")


class Simulation:
    def __init__(self, system, seed: int, experts_per_panel: int = 5):
        self.d = Driver(system)
        self.engine = system.engine
        self.clock = system.clock
        self.rng = random.Random(seed)
        self.experts_per_panel = experts_per_panel

    # ------------------------------------------------------------------ synthetic people

    def application(self, n: int, round_year: int) -> tuple[dict, dict | None]:
        """An application and, if it is ineligible, the corrected one (or None: withdrawn)."""
        r = self.rng
        notice = programme_rules.defaults()
        month, day = (int(x) for x in notice["deadline_month_day"].split("-"))
        deadline = dates.date(round_year, month, day)
        limit = notice["max_age"]   # one in ten candidates is older than the rules allow
        age = r.choice([r.randint(32, limit)] * 9 + [r.randint(limit + 1, limit + 5)])
        born = deadline.replace(year=deadline.year - age - 1) + timedelta(days=r.randint(1, 360))
        years = r.choice([r.randint(3, 30)] * 19 + [r.randint(1, 2)])
        since = deadline.replace(year=deadline.year - years - 1) + timedelta(days=r.randint(1, 360))
        mix = {"professional": 50, "skilled": 28, "rural": 18, "equivalent": 4}   # talent types of the applicants
        kind = r.choices(list(mix), list(mix.values()))[0]
        app = sample_application(f"候选人{round_year}-{n:04d}", birth_date=str(born), chifeng_since=str(since),
                                 talent_type=kind, **({"panel": "professional"} if kind == "equivalent" else {}))
        if kind == "professional":
            app.update(degree=r.choice(["doctor", "master", "master", "bachelor"]),
                       title_level=r.choice(["senior", "associate_senior", "associate_senior", "intermediate"]))
        elif kind == "skilled":
            app.update(degree="college", title_level="none", skill_level=r.choice(["senior_technician", "technician", "senior_worker"]),
                       skill_honours=r.choice([[], ["city_competition"], ["national_technical_expert"]]))
        elif kind == "rural":
            app.update(degree="secondary", title_level="none", rural_kinds=r.choice([["producer"], ["business"], [], ["entrepreneur"]]))
        exceptional = dates.full_years(born, deadline) > limit and r.random() < 0.5
        if exceptional:
            app.update(exceptional=True, exceptional_reason=r.choice(["", "享受国务院政府特殊津贴专家"]))
        fixed = None
        if r.random() < 0.5:   # an ineligible candidate's unit corrects the application, else withdraws
            fixed = dict(app, chifeng_since=str(deadline.replace(year=deadline.year - 8)), exceptional=True,
                         exceptional_reason="特别优秀，破格推荐", skill_level="technician", rural_kinds=["producer"])
        return app, fixed

    # ------------------------------------------------------------------ phases

    def run_round(self, year: int, count: int) -> None:
        d, r = self.d, self.rng
        self.clock.set(dates.at_local(dates.date(year, 5, 19)))
        round_iid = d.open_round(year)
        rid = self.engine.instance_detail(round_iid)["data"]["round_id"]
        units = [u[0] for u in UNITS]
        weights = [3 if kind == "county" else 1 for _, _, kind, _ in UNITS]
        opened = self.clock.now()
        # (when, order, action, n): each unit fills its application some time in the five weeks
        # after the round opens and its leaders review it a few days later
        events = []
        for n in range(count):
            filled = opened + timedelta(days=r.uniform(1, 36))
            events.append((filled, n, "fill", n))
            events.append((filled + timedelta(days=r.uniform(1, 4)), count + n, "review", n))
        events.sort()
        state: dict[int, tuple[int, dict] | None] = {}
        for when, _, action, n in events:
            self.fire_until(when)
            if action == "fill":
                unit = r.choices(units, weights)[0]
                iid = d.nominate(rid, unit)
                app, fixed = self.application(n + 1, year)
                d.complete(iid, "Task_Fill", app)
                state[n] = (iid, app)
                if d.open_tasks(iid, "Task_Fill"):      # ineligible: reasons shown to the submitter
                    if fixed is None:
                        d.complete(iid, "Task_Fill", {"action": "withdraw"})
                        state[n] = None
                        continue
                    d.complete(iid, "Task_Fill", fixed)
                    state[n] = (iid, fixed)
                    if d.open_tasks(iid, "Task_Fill"):
                        d.complete(iid, "Task_Fill", {"action": "withdraw"})
                        state[n] = None
                continue
            if state.get(n) is None:
                continue
            iid, app = state[n]
            roll = r.random()
            if roll < 0.12:
                d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充证书复印件"})
                d.complete(iid, "Task_Fill", dict(app, attachments=["证书复印件.pdf"]))
                d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
            elif roll < 0.20:
                d.complete(iid, "Task_UnitReview", {"unit_decision": "reject", "comment": "业绩不够突出"})
            else:
                d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
        pending = [v for v in state.values() if v is not None]
        self.fire_until(dates.at_local(dates.date(year, 7, 1)))        # reminders, escalation, close, committee
        for iid, _ in pending:
            review = d.review_of(iid)
            if review is None:                                           # expired (not submitted in time)
                continue
            merit = r.random()
            for task in d.open_tasks(review, "Task_ExpertReview"):
                vote = "agree" if r.random() < 0.35 + 0.65 * merit else "disagree"
                d.complete(review, "Task_ExpertReview", {"opinion": {"vote": vote, "score": int(50 + 50 * merit)}}, task=task)
        self.advance(timedelta(days=10))
        d.prepare_list(round_iid)                                        # the talent section's list, in 附件1 order
        self.advance(timedelta(days=10))
        with self.engine.sessions() as s:
            listed = s.scalars(select(Nomination.id).where(Nomination.round_id == rid, Nomination.list_status == "listed")
                               .order_by(Nomination.list_rank)).all()
        struck = {nid: "暂缓聘任" for nid in listed if r.random() < 0.03}
        d.sign_list(round_iid, struck)                                   # the director signs it as a whole
        d.publish_list(round_iid)
        self.start_mentoring(rid)

    def start_mentoring(self, round_id: int) -> None:
        d, r = self.d, self.rng
        with self.engine.sessions() as s:
            ships = s.execute(select(Mentorship.instance_id, Mentorship.mentor_id).join(PoolEntry, PoolEntry.id == Mentorship.pool_entry_id)
                              .where(PoolEntry.round_id == round_id).order_by(Mentorship.id)).all()
        self.advance(timedelta(days=10))
        for iid, mentor_id in ships:
            user = f"mentor{mentor_id}"
            period = r.choice([2, 3])
            d.complete(iid, "Task_RegisterMentees", {"period_years": period, "mentees": sample_mentees(f"学员{mentor_id}-")}, user=user)
            if r.random() < 0.05:
                d.complete(iid, "Task_ConfirmAgreement", {"agreement_decision": "return", "comment": "培带指标不具体"})
                d.complete(iid, "Task_RegisterMentees", {"period_years": period, "mentees": sample_mentees(f"学员{mentor_id}-"),
                                                         "indicators": "每年专题讲座不少于4次"}, user=user)
            d.complete(iid, "Task_ConfirmAgreement", {"agreement_decision": "confirm"})
            for task in d.open_tasks(iid, "Task_TrainingPlan"):
                d.complete(iid, "Task_TrainingPlan", {"training_plan": {"goals": "成长为业务骨干"}}, task=task, user=user)
            for k in range(r.randint(1, 3)):
                d.complete(iid, "Task_LogActivity", {"kind": r.choice(["lecture", "guidance", "training"]),
                                                     "held_on": str(dates.local_date(self.clock.now())), "subject": f"培带活动{k + 1}",
                                                     "hours": 2}, user=user)

    def handle_assessments(self) -> None:
        d, r = self.d, self.rng
        with self.engine.sessions() as s:
            rows = s.execute(select(HumanTask.instance_id, HumanTask.element_id).where(
                HumanTask.state == "open", HumanTask.element_id.in_(("Task_UnitAssessment",))).order_by(HumanTask.id)).all()
        for iid, _ in rows:
            result = "unqualified" if r.random() < 0.07 else "qualified"
            d.complete(iid, "Task_UnitAssessment", {"result": result, "report": "依据联系书指标进行综合考核，情况如实报告。",
                                                    "outstanding": result == "qualified" and r.random() < 0.2})
            d.complete(iid, "Task_ConfirmAssessment", {"final_result": result})
        if rows:
            d.deliver_engine_messages()

    def advance(self, delta: timedelta) -> None:
        self.clock.set(self.clock.now() + delta)

    def fire_until(self, until) -> None:
        """Fire every timer due before ``until`` in time order, handling the assessments they start."""
        while True:
            due = self.engine.next_timer_due()
            if due is None or due >= until:
                break
            self.clock.set(max(self.clock.now(), due + timedelta(minutes=1)))
            self.d.fire()
            self.handle_assessments()
        if until > self.clock.now():
            self.clock.set(until)
        self.d.fire()
        self.handle_assessments()

    # ------------------------------------------------------------------ result

    def counts(self) -> dict:
        with self.engine.sessions() as s:
            def count(table, *where):
                return s.scalar(select(func.count()).select_from(table).where(*where)) or 0
            out = {
                "nominations": count(Nomination),
                "eligible": count(Nomination, Nomination.eligible.is_(True)),
                "returned": count(Nomination, Nomination.returns > 0),
                "rejected_by_unit": count(Nomination, Nomination.status == "rejected"),
                "recommended_by_committee": count(Nomination, Nomination.status.in_(("recommended", "declined", "appointed"))),
                "on_signed_list": count(Nomination, Nomination.list_status == "signed"),
                "signed_off": count(Nomination, Nomination.status == "appointed"),
                "certificates": count(Certificate),
                "mentors": count(PoolEntry),
                "mentees": count(Mentee),
                "assessments": count(Assessment, Assessment.status != "open"),
                "qualified": count(Assessment, Assessment.status == "qualified"),
                "unqualified": count(Assessment, Assessment.status == "unqualified"),
                "disqualified": count(Mentorship, Mentorship.status == "disqualified"),
                "second_tier": count(SecondTierCandidate),
                "reminders_sent": s.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.topic == "notify", OutboxMessage.payload_json.like('%"deadline_reminder"%'))) or 0,
                "withdrawn": count(Nomination, Nomination.status == "withdrawn"),
                "expired": count(Nomination, Nomination.status == "expired"),
                "not_recommended": count(Nomination, Nomination.status == "not_recommended"),
                "declined_at_sign_off": count(Nomination, Nomination.status == "declined"),
                "mentors_with_five_mentees": s.scalar(select(func.count()).select_from(
                    select(Mentee.mentorship_id).group_by(Mentee.mentorship_id).having(func.count() == 5).subquery())) or 0,
                "certificates_revoked": count(Certificate, Certificate.status == "revoked"),
                "instances": count(Instance),
                "instances_failed": count(Instance, Instance.status == "error"),
            }
        return out


def simulate(nominations: int, years: int, seed: int, database_url: str | None = None) -> dict:
    from peidai.bootstrap import bootstrap
    from peidai.db import make_engine, upgrade
    from peidai.settings import PROJECT_ROOT, Settings

    began = time.perf_counter()
    tmp = None
    if database_url is None:
        tmp = tempfile.TemporaryDirectory(prefix="peidai-sim-")
        database_url = f"sqlite:///{Path(tmp.name) / 'simulate.sqlite'}"
    try:
        upgrade(database_url)
        db = make_engine(database_url)
        clock = VirtualClock(START)
        settings = Settings(database_url=database_url, data_dir=Path(tmp.name if tmp else tempfile.gettempdir()),
                            secret_key="simulate", testing=True)
        system = bootstrap(settings, clock=clock, db=db)
        sim = Simulation(system, seed)
        sim.d.seed(experts_per_panel=sim.experts_per_panel)
        sim.d.deploy(PROJECT_ROOT / "bpmn")
        start = dates.local_date(clock.now())
        end = dates.at_local(dates.add_years(start, years))
        for year in range(start.year, start.year + years, 3):
            if dates.at_local(dates.date(year, 5, 19)) < end:
                sim.fire_until(dates.at_local(dates.date(year, 5, 19)))
                sim.run_round(year, nominations)
        sim.fire_until(end)
        result = sim.counts()
        system.dispose()
    finally:
        if tmp is not None:
            tmp.cleanup()
    result["seconds"] = round(time.perf_counter() - began, 1)
    return {k: result[k] for k in KEYS} | {k: v for k, v in result.items() if k not in KEYS}
