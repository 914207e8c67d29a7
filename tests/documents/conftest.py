"""Fixtures for documents and uploads: sample document data as the programme would supply it."""
from __future__ import annotations

from datetime import date

import pytest

from workflows.documents.data import (Agreement, ApplicationForm, Certificate, Nominee, NomineeList, Person,
                                      ReviewOpinion)


def sample_nominee_list() -> NomineeList:
    rows = [
        Nominee("王建国", "男", date(1968, 3, 12), "汉族", "中共党员", "研究生/硕士", "正高级",
                "红山区水利局 总工程师", "professional", "主持完成老哈河流域治理工程设计，获自治区科技进步二等奖", "红山区"),
        Nominee("乌兰其其格", "女", date(1975, 11, 2), "蒙古族", "中共党员", "大学/学士", "副高级",
                "赤峰市医院 心内科副主任", "professional", "开展心脏介入诊疗技术，年完成手术四百余例", "红山区"),
        Nominee("李树林", "男", date(1972, 6, 30), "汉族", "群众", "中专", "高级技师（国家一级）",
                "赤峰富龙热电厂 检修班长", "skilled", "全国技术能手，解决汽轮机振动关键技术难题", "红山区"),
        Nominee("张秀英", "女", date(1980, 1, 15), "满族", "中共党员", "大专", "",
                "红山区文钟镇 蔬菜专业合作社理事长", "rural", "领办合作社带动三百余户种植设施蔬菜，户均增收两万元", "红山区"),
    ]
    return NomineeList(round_name="2014年度", unit_name="中共红山区委组织部", nominees=rows,
                       prepared_on=date(2014, 6, 20), contact="刘红", phone="0476-8838010")


def sample_application_form() -> ApplicationForm:
    return ApplicationForm(
        reference="2014-0001", round_name="2014年度", unit_name="中共红山区委组织部", category="professional",
        name="王建国", gender="男", birth_date=date(1968, 3, 12), ethnicity="汉族", political_status="中共党员",
        education="研究生/硕士", title="正高级", workplace="红山区水利局 总工程师", phone="13904760001",
        talent_type="优秀专业技术人才", chifeng_since=date(1990, 7, 1), years_in_chifeng=23,
        honours=["赤峰市“玉龙人才”工程", "市级有突出贡献的中青年专家"],
        awards="2011年 自治区科技进步二等奖\n2013年 赤峰市科技进步一等奖",
        achievements="主持老哈河红山段综合治理工程设计，保护农田十二万亩；编制红山区农村牧区饮水安全规划；"
                     "主持自治区水利科技项目“半干旱区小流域综合治理技术研究”（2010—2013）。",
        attachments=["学历学位证书：研究生毕业证书.pdf", "职称证书：正高级工程师.jpg", "获奖证书：自治区科技进步二等奖.png"],
        recommendation="该同志政治素质好，业务能力强，在水利工程领域成绩突出，同意推荐为人才培带人。",
        recommended_on=date(2014, 6, 18),
        reviews=[ReviewOpinion("单位审核", "赵志刚", "同意", "材料齐全，符合推荐条件。", date(2014, 6, 25)),
                 ReviewOpinion("专家评审", "评审委员会", "同意", "专业技术人才组评审通过（7票同意）。", date(2014, 7, 15))],
    )


def sample_agreement() -> Agreement:
    mentees = [Person("陈晓东", "男", date(1985, 4, 1), "工程师", "红山区水利局 工程科科员", "水利工程", "13904760011"),
               Person("孙丽娜", "女", date(1988, 9, 9), "工程师", "红山区水利局 规划科科员", "水资源规划", "13904760012"),
               Person("高鹏", "男", date(1990, 2, 20), "助理工程师", "红山区水务站 技术员", "小流域治理", "13904760013"),
               Person("刘洋", "男", date(1987, 12, 5), "工程师", "红山区防汛办 科员", "防汛调度", "13904760014"),
               Person("白雪", "女", date(1991, 7, 17), "助理工程师", "红山区水利局 技术员", "水利工程", "13904760015")]
    return Agreement(reference="LXS-2014-0001", unit_name="中共红山区委组织部", category="professional",
                     mentor=Person("王建国", "男", date(1968, 3, 12), "正高级工程师", "红山区水利局 总工程师",
                                   "水利工程", "13904760001"),
                     mentees=mentees, period_start=date(2014, 9, 1), period_end=date(2017, 8, 31))


def sample_certificate(code: str = "K7Q4M2XD") -> Certificate:
    return Certificate(number="CFPD-2014-0001", mentor_name="王建国", category="professional",
                       issued_on=date(2014, 9, 1), verify_code=code,
                       verify_url=f"http://127.0.0.1:5000/verify/{code}")


SAMPLES = {"nominee_list": sample_nominee_list, "application_form": sample_application_form,
           "agreement": sample_agreement, "certificate": sample_certificate}


@pytest.fixture
def samples():
    return SAMPLES


# ------------------------------------------------------------------ a system with programme rows

from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from flask import Flask  # noqa: E402
from flask_login import LoginManager  # noqa: E402

from engine import Actor  # noqa: E402
from tests.conftest import make_system  # noqa: E402


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def docs_system(database, clock, tmp_path):
    return make_system(database, clock, tmp_path)


@pytest.fixture
def data_dir(docs_system) -> Path:
    return Path(docs_system.settings.data_dir)


@pytest.fixture
def programme(docs_system):
    """Rows as the programme writes them: two units, a round, a nomination per unit, a certificate,
    a pool entry and a mentorship with five mentees. Returns their ids."""
    from workflows import tables as t

    now = utc(2014, 9, 1, 2)
    with docs_system.engine.unit_of_work() as s:
        s.add_all([t.OrgUnit(id="hongshan", name="红山区", kind="county", sort=1),
                   t.OrgUnit(id="songshan", name="松山区", kind="county", sort=3)])
        rnd = t.Round(year=2014, title="2014年度人才培带人评选", deadline=utc(2014, 6, 30, 15, 59), opened_at=utc(2014, 5, 19))
        s.add(rnd)
        s.flush()
        app = {"name": "王建国", "ethnicity": "汉族", "political_status": "中共党员", "education": "研究生",
               "degree": "master", "title_level": "senior", "workplace": "红山区水利局 总工程师",
               "talent_type": "professional", "panel": "professional", "programmes": ["赤峰市“玉龙人才”工程"],
               "achievements": "主持老哈河红山段综合治理工程设计", "awards": "2011年 自治区科技进步二等奖",
               "recommendation": "同意推荐。", "phone": "13904760001"}
        import json
        mentor = t.Person(name="王建国", gender="男", birth_date=datetime(1968, 3, 12).date(), unit_id="hongshan",
                          workplace="红山区水利局", title="正高级工程师", username="wangjianguo")
        s.add(mentor)
        s.flush()
        nom = t.Nomination(round_id=rnd.id, unit_id="hongshan", name="王建国", gender="男", degree="master",
                           title_level="senior", chifeng_since=datetime(1990, 7, 1).date(),
                           birth_date=datetime(1968, 3, 12).date(), category="professional", talent_type="professional",
                           years_in_chifeng=24, application_json=json.dumps(app, ensure_ascii=False), status="appointed",
                           person_id=mentor.id, created_by="hongshan_submitter", created_at=utc(2014, 6, 1),
                           submitted_at=utc(2014, 6, 18, 2))
        other = t.Nomination(round_id=rnd.id, unit_id="songshan", name="李树林", gender="男", category="skilled",
                             application_json="{}", status="draft", created_by="songshan_submitter",
                             created_at=utc(2014, 6, 2))
        s.add_all([nom, other])
        s.flush()
        s.add(t.ExpertOpinion(nomination_id=nom.id, expert="expert1", vote="agree", score=90, at=utc(2014, 7, 15)))
        cert = t.Certificate(number="CFPD-2014-0001", nomination_id=nom.id, person_id=mentor.id, round_id=rnd.id,
                             issued_at=now)
        s.add(cert)
        s.flush()
        pool = t.PoolEntry(person_id=mentor.id, certificate_id=cert.id, round_id=rnd.id, unit_id="hongshan",
                           category="professional", entered_at=now)
        s.add(pool)
        s.flush()
        ms = t.Mentorship(mentor_id=mentor.id, pool_entry_id=pool.id, unit_id="hongshan", period_years=3,
                          started_at=now)
        s.add(ms)
        s.flush()
        for i, name in enumerate(["陈晓东", "孙丽娜", "高鹏", "刘洋", "白雪"]):
            p = t.Person(name=name, gender="男" if i % 2 == 0 else "女", unit_id="hongshan", workplace="红山区水利局")
            s.add(p)
            s.flush()
            s.add(t.Mentee(mentorship_id=ms.id, person_id=p.id, field="水利工程"))
        ids = {"round": rnd.id, "nomination": nom.id, "draft_nomination": other.id, "certificate": cert.id,
               "mentorship": ms.id, "mentor": mentor.id}
    return ids


class _User:
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, actor: Actor):
        self.actor = actor
        self.display_name = actor.username

    def get_id(self):
        return self.actor.username


@pytest.fixture
def web(docs_system):
    """The documents blueprint on a bare Flask app; requests log in with ``X-Test-User: name role:scope ...``."""
    from webapp.blueprints.documents import bp

    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", TESTING=True)
    app.extensions["peidai"] = docs_system
    login = LoginManager(app)

    @login.request_loader
    def load(req):
        header = req.headers.get("X-Test-User")
        if not header:
            return None
        name, *grants = header.split()
        memberships = frozenset((g.split(":")[0], g.split(":")[1] or None) if ":" in g else (g, None) for g in grants)
        return _User(Actor(name, memberships))

    app.register_blueprint(bp)
    return app.test_client()


def as_user(name: str, *grants: str) -> dict:
    return {"X-Test-User": " ".join((name, *grants))}
