"""Notifications: in-app messages and e-mail, from templates (Chinese first).

* ``DELIVERERS["notify"]`` delivers ``{"template": name, "users": [...], "context": {...}}``
  (templates in :mod:`.templates`); ``DELIVERERS["incident"]`` tells administrators about a
  failed instance.
* ``LISTENERS``: a new or reassigned human task notifies whoever may act on it.
* :mod:`.service`: a user's notifications and unread count, kept mails, urge (催办), overdue reminders.
"""
from .delivery import deliver_incident, deliver_notify
from .listeners import notify_task_assigned

DELIVERERS = {"notify": deliver_notify, "incident": deliver_incident}
LISTENERS = [notify_task_assigned]

__all__ = ["DELIVERERS", "LISTENERS"]
