"""The programme's roles (DESIGN.md, "Who does what"). A BPMN lane names one of these, by key or
by its Chinese label; ``scope_field`` is the instance data field that limits who sees a task."""
from engine import Role

ROLES = {r.key: r for r in [
    Role("unit_submitter", "单位申报人", "unit_id", "Unit submitter"),
    Role("unit_reviewer", "单位审核人", "unit_id", "Unit reviewer"),
    Role("expert", "评审专家", "category", "Expert"),
    Role("talent_section", "人才科", None, "Talent section"),
    Role("director", "领导小组办公室主任", None, "Director"),
    Role("mentor", "培带人", "mentor_id", "Mentor"),
    Role("mentee", "培带对象", "mentee_id", "Mentee"),
    Role("admin", "系统管理员", None, "Administrator"),
]}

# instance data fields copied into indexed projection columns (filters of the inbox)
PROJECTED_FIELDS = {"org_unit": "unit_id", "category": "category", "batch": "round_id", "title": "title"}

# roles that read every record of the programme (they act only in their own lanes): the talent
# section receives everything, the director signs off the list (DESIGN.md, "Who does what")
OVERSIGHT_ROLES = frozenset({"talent_section", "director"})
