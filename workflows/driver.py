"""Drives the programme through the engine's service API, the way users would: used by
``peidai demo``, ``peidai simulate`` and the programme tests.

Every call is one engine command. With ``restore=True`` the engine's workflow cache is cleared
before each command, so every step reloads its instance from the database (save/restore
between every step).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine import SYSTEM_ACTOR, Actor
from engine.identity import upsert_user, users_holding
from engine.queries import instance_tasks
from engine.tables import OutboxMessage

from . import rules as programme_rules
from .handlers import DELIVERERS
from .units import UNITS, seed_units


def standard_users(experts_per_panel: int = 5, units=None) -> list[tuple[str, str, list[tuple[str, str | None]]]]:
    """(username, display name, memberships) for every role: per unit a submitter and a reviewer,
    experts per category, the talent section, the director and an administrator."""
    users = [("admin", "系统管理员", [("admin", None)]),
             ("section", "人才科 魏乐", [("talent_section", None)]),
             ("director", "领导小组办公室主任", [("director", None)])]
    for uid, name, _kind, _urban in (units or UNITS):
        users.append((f"{uid}_sub", f"{name}申报人", [("unit_submitter", uid)]))
        users.append((f"{uid}_rev", f"{name}审核人", [("unit_reviewer", uid)]))
    for panel in programme_rules.defaults()["panels"]:
        for i in range(1, experts_per_panel + 1):
            users.append((f"expert_{panel['code']}_{i}", f"{panel['label']}评审专家{i}", [("expert", panel["code"])]))
    return users


class Driver:
    def __init__(self, system, restore: bool = False):
        self.system = system
        self.engine = system.engine
        self.clock = system.clock
        self.restore = restore
        self._actors: dict[str, Actor] = {}

    # ------------------------------------------------------------------ set-up

    def seed(self, experts_per_panel: int = 5, password_hash=None) -> list[tuple[str, str, list]]:
        """Units and the standard users. ``password_hash(username) -> str`` sets passwords."""
        users = standard_users(experts_per_panel)
        with self.engine.unit_of_work() as s:
            seed_units(s)
            for username, name, memberships in users:
                upsert_user(s, username, name, memberships=memberships,
                            password_hash=password_hash(username) if password_hash else "")
        return users

    def deploy(self, folder) -> dict:
        from peidai.cli import read_model_files
        return self.engine.deploy(read_model_files(folder), comment="programme models")

    # ------------------------------------------------------------------ commands

    def _step(self) -> None:
        if self.restore:
            self.engine.clear_cache()

    def actor(self, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = self.engine.actor_for(username)
        return self._actors[username]

    def start(self, process_key: str, data: dict, user: str = "section") -> int:
        self._step()
        return self.engine.start(process_key, data, self.actor(user) if user != "system" else SYSTEM_ACTOR)

    def open_round(self, year: int, user: str = "section", **data) -> int:
        return self.start("selection_round", {"year": year, **data}, user)

    def nominate(self, round_id: int, unit_id: str, user: str | None = None) -> int:
        return self.start("nomination", {"round_id": round_id, "unit_id": unit_id}, user or f"{unit_id}_sub")

    def round_instance(self, round_id: int) -> int:
        from .tables import Round
        with self.engine.sessions() as s:
            return s.get(Round, round_id).instance_id

    def review_of(self, nomination_iid: int) -> int | None:
        """The ``committee_review`` instance of a nomination (started when the round closed)."""
        from .tables import Nomination
        with self.engine.sessions() as s:
            return s.scalar(select(Nomination.review_instance_id).where(Nomination.instance_id == nomination_iid))

    def vote(self, nomination_iid: int, votes, score: int = 85, comment: str = "意见") -> int:
        """Every expert of the nomination's review votes (``votes``: one vote per expert, or one for all)."""
        review = self.review_of(nomination_iid)
        tasks = self.open_tasks(review, "Task_ExpertReview")
        votes = [votes] * len(tasks) if isinstance(votes, str) else list(votes)
        for task, vote in zip(tasks, votes):
            self.complete(review, "Task_ExpertReview", {"opinion": {"vote": vote, "score": score, "comment": comment}}, task=task)
        return review

    def prepare_list(self, round_iid: int, order: list[int] | None = None, comment: str = "", user: str = "section") -> dict:
        data = {"comment": comment} if order is None else {"order": order, "comment": comment}
        return self.complete(round_iid, "Task_PrepareList", data, user=user)

    def sign_list(self, round_iid: int, struck: dict[int, str] | None = None, comment: str = "", user: str = "director") -> dict:
        """The director signs the list as a whole; ``struck``: nomination id -> reason."""
        return self.complete(round_iid, "Task_SignList", {
            "sign_list": "sign", "comment": comment,
            "struck": [{"nomination_id": k, "reason": v} for k, v in (struck or {}).items()]}, user=user)

    def publish_list(self, round_iid: int, comment: str = "") -> dict:
        return self.complete(round_iid, "Task_PublishList", {"publish": True, "comment": comment})

    def open_tasks(self, instance_id: int, element: str | None = None) -> list[dict]:
        return [t for t in instance_tasks(self.engine, instance_id)
                if t["state"] == "open" and (element is None or t["element_id"] == element)]

    def who_can(self, task: dict) -> str:
        if task["assignee"]:
            return task["assignee"]
        with self.engine.sessions() as s:
            users = users_holding(s, task["role"], task["scope"])
        if not users:
            raise LookupError(f"nobody holds {task['role']}/{task['scope']}")
        return users[0]

    def complete(self, instance_id: int, element: str, data: dict | None = None, user: str | None = None,
                 comment: str = "", task: dict | None = None) -> dict:
        """Complete the first open task ``element`` of the instance (by ``user``, or by whoever may)."""
        if task is None:
            tasks = self.open_tasks(instance_id, element)
            if not tasks:
                raise LookupError(f"instance {instance_id} has no open task {element}: "
                                  f"{[t['element_id'] for t in self.open_tasks(instance_id)]}")
            task = tasks[0]
        self._step()
        return self.engine.complete_task(task["id"], data or {}, self.actor(user or self.who_can(task)), comment=comment)

    def fire(self, until: datetime | None = None) -> int:
        """Move the clock to ``until`` (if given) and fire everything that is due, repeatedly."""
        self.deliver_engine_messages()   # what the worker would have done by now
        if until is not None and until > self.clock.now():
            self.clock.set(until)
        fired = 0
        for _ in range(20):
            self._step()
            counts = self.engine.fire_due_timers(limit=100000)
            fired += counts["fired"]
            self.deliver_engine_messages()
            if counts["due"] == 0 or counts["fired"] == 0:
                break
        return fired

    def deliver_engine_messages(self) -> int:
        """Deliver the programme's own outbox topics (``instance/cancel``, ``committee/start``)
        that are due, through the engine's outbox. In production the worker does this (and the
        other topics); scenarios that need no worker call it here."""
        with self.engine.sessions() as s:
            ids = list(s.scalars(select(OutboxMessage.id).where(
                OutboxMessage.topic.in_(list(DELIVERERS)), OutboxMessage.status == "pending").order_by(OutboxMessage.id)))
        for mid in ids:
            self._step()
            self.engine.outbox.deliver(mid, self.system)
        return len(ids)

    def instance_status(self, instance_id: int) -> str:
        return self.engine.instance(instance_id)["status"]


def sample_application(name: str = "张伟", **overrides) -> dict:
    """A complete, eligible 附件2 application (professional talent, 45 years old in 2014)."""
    data = {
        "action": "submit", "name": name, "gender": "男", "birth_date": "1969-03-15", "ethnicity": "汉族",
        "political_status": "中共党员", "workplace": "赤峰市医院 主任医师", "phone": "0476-8838010",
        "chifeng_since": "1992-07-01", "talent_type": "professional", "education": "研究生", "degree": "master",
        "title_level": "senior", "skill_level": "none", "skill_honours": [], "rural_kinds": [],
        "programmes": ["赤峰市“玉龙人才”工程"], "approval_ref": "", "exceptional": False, "exceptional_reason": "",
        "awards": "市级科技进步奖一等奖", "achievements": "主持省部级科研课题两项", "recommendation": "业务精湛，培养青年骨干成效显著",
        "attachments": [],
    }
    data.update(overrides)
    return data


def sample_mentees(prefix: str = "学员", count: int = 5) -> list[dict]:
    return [{"name": f"{prefix}{i}", "gender": "女" if i % 2 else "男", "birth_date": f"{1985 + i}-05-01",
             "workplace": "本单位", "field": "临床医学"} for i in range(1, count + 1)]
