"""``peidai demo``: units, a user for every role, a past round whose mentors are in their second
year, and an open round with nominations in several states, all made through the engine on a
virtual clock that ends at the present moment."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine import VirtualClock
from engine.identity import upsert_user

from . import dates
from .driver import Driver, sample_application, sample_mentees
from .tables import Assessment, Mentee, Mentorship, OrgUnit, Person, PoolEntry, Round

PASSWORD = "peidai2014"


def has_data(system) -> bool:
    """Users or rounds exist: the demo never overwrites a system someone has set up."""
    from engine.tables import User
    with system.sessions() as s:
        return s.scalar(select(Round.id).limit(1)) is not None or s.scalar(select(User.id).limit(1)) is not None


def load(settings, models_folder, echo=print, password: str = PASSWORD, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Returns the log-ins (username, display name, roles)."""
    from werkzeug.security import generate_password_hash

    from peidai.bootstrap import bootstrap

    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    today = dates.local_date(now)
    past = today.year - 1 if (today.month, today.day) >= (7, 20) else today.year - 2
    current = today.year if (today.month, today.day) < (6, 1) else today.year + 1
    clock = VirtualClock(dates.at_local(dates.date(past, 5, 19)))
    system = bootstrap(settings, clock=clock)
    d = Driver(system)
    hashed = generate_password_hash(password)
    users = d.seed(experts_per_panel=5, password_hash=lambda _u: hashed)
    d.deploy(models_folder)

    # a past round: its mentors are now in their second year
    round_iid = d.open_round(past)
    rid = system.engine.instance_detail(round_iid)["data"]["round_id"]
    people = [("hongshan", "王建国", {}), ("songshan", "李秀兰", {"talent_type": "skilled", "skill_level": "senior_technician",
                                                                  "degree": "college", "title_level": "none"}),
              ("aohan", "张福林", {"talent_type": "rural", "rural_kinds": ["producer", "business"], "degree": "secondary"}),
              ("cfu", "刘海峰", {"degree": "doctor"}), ("city_health", "陈静", {}), ("ningcheng", "赵志刚", {}),
              ("linxi", "孙玉梅", {"degree": "bachelor", "title_level": "intermediate"}), ("wengniute", "周明", {})]
    iids = []
    for unit, name, extra in people:
        clock.set(clock.now() + timedelta(days=2))
        iid = d.nominate(rid, unit)
        d.complete(iid, "Task_Fill", sample_application(name, birth_date=f"{past - 48}-04-12",
                                                        chifeng_since=f"{past - 20}-08-01", **extra))
        decision = {"unit_decision": "reject", "comment": "本年度推荐名额已满"} if name == "周明" else {"unit_decision": "approve", "conditions_attested": True}
        d.complete(iid, "Task_UnitReview", decision)
        iids.append((name, iid))
    d.fire(dates.at_local(dates.date(past, 7, 1)))
    for name, iid in iids:
        review = d.review_of(iid)
        for task in d.open_tasks(review, "Task_ExpertReview") if review else []:
            vote = "disagree" if name == "孙玉梅" else "agree"
            d.complete(review, "Task_ExpertReview", {"opinion": {"vote": vote, "score": 62 if vote == "disagree" else 88,
                                                                 "comment": "业绩突出" if vote == "agree" else "成果不足"}},
                       task=task)
    d.prepare_list(round_iid, comment="按单位顺序拟定")
    d.sign_list(round_iid, comment="同意")
    d.publish_list(round_iid, "名单已公布")
    clock.set(dates.at_local(dates.date(past, 7, 20)))
    with system.sessions() as s:
        ships = s.execute(select(Mentorship.instance_id, Mentorship.mentor_id).order_by(Mentorship.id)).all()
    for k, (iid, mentor_id) in enumerate(ships):
        user = f"mentor{mentor_id}"
        d.complete(iid, "Task_RegisterMentees", {"period_years": 3 if k % 2 else 2, "mentees": sample_mentees(f"学员{mentor_id}-"),
                                                 "indicators": "每年专题讲座不少于4次，技术辅导不少于10次"}, user=user)
        d.complete(iid, "Task_ConfirmAgreement", {"agreement_decision": "confirm"})
        for task in d.open_tasks(iid, "Task_TrainingPlan")[:3]:
            d.complete(iid, "Task_TrainingPlan", {"training_plan": {"goals": "三年内成长为业务骨干", "measures": "跟班学习，参与课题"}},
                       task=task, user=user)
        d.complete(iid, "Task_LogActivity", {"kind": "lecture", "held_on": str(dates.date(past, 9, 10)), "subject": "专题讲座：岗位技能提升",
                                             "hours": 3}, user=user)
    # the first anniversary: assessments start; most are done, one is left for the unit
    clock.set(min(now, dates.at_local(dates.date(past + 1, 7, 25))))
    d.fire()
    with system.sessions() as s:
        open_assessments = s.scalars(select(Assessment).order_by(Assessment.id)).all()
    for a in open_assessments[:-1]:
        d.complete(a.instance_id, "Task_UnitAssessment", {"result": "qualified", "report": "按联系书完成年度培带任务，培带对象进步明显。",
                                                          "outstanding": a.id == 1})
        d.complete(a.instance_id, "Task_ConfirmAssessment", {"final_result": "qualified"})
    clock.set(now)
    d.fire()

    # benefits: one pending application
    with system.sessions() as s:
        mentor = s.scalar(select(Person).join(PoolEntry, PoolEntry.person_id == Person.id).order_by(PoolEntry.id))
    biid = d.start("benefit_application", {"mentor_id": mentor.id, "title": f"{mentor.name} 申请人才公交IC卡"},
                   user=mentor.username)
    d.complete(biid, "Task_Apply", {"kind": "bus_card"}, user=mentor.username)

    # the open round, with nominations in several states
    round_iid = d.open_round(current)
    rid = system.engine.instance_detail(round_iid)["data"]["round_id"]

    def app(name, **kw):
        return sample_application(name, **{"birth_date": f"{current - 46}-03-15", "chifeng_since": f"{current - 15}-07-01", **kw})

    d.nominate(rid, "hongshan")                                                                 # draft
    d.complete(d.nominate(rid, "songshan"), "Task_Fill", app("吴海涛"))          # awaiting unit review
    iid = d.nominate(rid, "yuanbaoshan")
    d.complete(iid, "Task_Fill", app("郑丽", birth_date=f"{current - 58}-02-01"))  # ineligible: back to submitter
    iid = d.nominate(rid, "cfu")
    d.complete(iid, "Task_Fill", app("冯涛"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充获奖证书复印件"})  # returned with a comment
    iid = d.nominate(rid, "city_education")
    d.complete(iid, "Task_Fill", app("何雪"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})                            # submitted, waits for the deadline
    iid = d.nominate(rid, "aohan")
    d.complete(iid, "Task_Fill", app("韩力", talent_type="rural", rural_kinds=["entrepreneur"]))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "reject", "comment": "推荐材料与实际不符"})  # rejected

    # mentors log in too
    logins = [(u, n, ", ".join(f"{r}({s})" if s else r for r, s in m)) for u, n, m in users]
    with system.engine.unit_of_work() as s:
        for person in list(s.scalars(select(Person).where(Person.username.is_not(None)).order_by(Person.id))):
            upsert_user(s, person.username, person.name, password_hash=hashed, memberships=[("mentor", str(person.id))])
            logins.append((person.username, person.name, f"mentor({person.id})"))
        first = s.scalar(select(Mentorship.id).order_by(Mentorship.id))
        for mentee, person in s.execute(select(Mentee, Person).join(Person, Person.id == Mentee.person_id)
                                        .where(Mentee.mentorship_id == first).order_by(Mentee.id)).all():
            person.username = f"mentee{person.id}"
            upsert_user(s, person.username, person.name, password_hash=hashed, memberships=[("mentee", str(mentee.id))])
            logins.append((person.username, person.name, f"mentee({mentee.id})"))
    system.dispose()
    return logins


def print_logins(logins, echo=print, password: str = PASSWORD) -> None:
    echo(f"演示账号（密码均为 {password}）：")
    for username, name, roles in logins:
        echo(f"  {username:<24} {name:<16} {roles}")


def units_exist(system) -> bool:
    with system.sessions() as s:
        return s.scalar(select(OrgUnit.id).limit(1)) is not None
