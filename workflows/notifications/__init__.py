"""Notifications: in-app messages and e-mail, from templates (Chinese first)."""
