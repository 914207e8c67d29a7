"""Notifications: in-app messages and e-mail, from templates (Chinese first).

* ``DELIVERERS["notify"]`` delivers ``{"template": name, "users": [...], "context": {...}}``
  (templates in :mod:`.templates`); ``DELIVERERS["incident"]`` tells administrators about a
  failed instance; ``DELIVERERS["mail/confirm_address"]`` mails the link that confirms a new
  e-mail address (:mod:`.contacts`).
* :mod:`.mailer`: SMTP, mail states (sent, kept, failed with the reason), the sweep of kept mails.
* :mod:`.kinds`: each person's channel per kind of message (in-app only, or in-app plus mail).
* ``LISTENERS``: a new or reassigned human task notifies whoever may act on it.
* :mod:`.service`: a user's notifications and unread count, kept mails, urge (催办), overdue reminders.
"""
from .delivery import deliver_address_confirmation, deliver_incident, deliver_notify
from .listeners import notify_task_assigned

DELIVERERS = {"notify": deliver_notify, "incident": deliver_incident,
              "mail/confirm_address": deliver_address_confirmation}
LISTENERS = [notify_task_assigned]

__all__ = ["DELIVERERS", "LISTENERS"]
