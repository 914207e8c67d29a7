"""The programme's roles (DESIGN.md, "Who does what"). A BPMN lane names one of these, by key or
by its Chinese label; ``scope_field`` is the instance data field that limits who sees a task.

Who gets a new task (the rule in one place):

* the model names the person (the task's ``assignee`` property, e.g. the expert of a panel, the
  submitter of a returned application): that person;
* otherwise, a role marked ``sole_holder=True`` whose scope has exactly one active holder: that
  holder, at once, in 我的待办 — a mentor's own steps (scope ``mentor_id``: one person), a
  mentee's, the director's, and a unit's or the section's steps while only one person holds the role;
* otherwise the task waits in 待认领 for every holder of the role in its scope to claim it.
"""
from engine import Role

ROLES = {r.key: r for r in [
    Role("unit_submitter", "单位申报人", "unit_id", "Unit submitter", sole_holder=True),
    Role("unit_reviewer", "单位审核人", "unit_id", "Unit reviewer", sole_holder=True),
    Role("expert", "评审专家", "category", "Expert"),   # a panel's expert is named by the model
    Role("talent_section", "人才科", None, "Talent section", sole_holder=True),
    Role("director", "领导小组办公室主任", None, "Director", sole_holder=True),
    Role("mentor", "培带人", "mentor_id", "Mentor", sole_holder=True),
    Role("mentee", "培带对象", "mentee_id", "Mentee", sole_holder=True),
    Role("admin", "系统管理员", None, "Administrator"),
]}

# instance data fields copied into indexed projection columns (filters of the inbox)
PROJECTED_FIELDS = {"org_unit": "unit_id", "category": "category", "batch": "round_id", "title": "title"}

# roles that read every record of the programme (they act only in their own lanes): the talent
# section receives everything, the director signs off the list (DESIGN.md, "Who does what")
OVERSIGHT_ROLES = frozenset({"talent_section", "director"})

# roles that may cancel any of the programme's instances (with a reason); whoever started an
# instance may cancel it too, and administrators may (engine.access.Policy.can_cancel)
CANCEL_ROLES = frozenset({"talent_section"})
