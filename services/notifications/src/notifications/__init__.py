"""Notifications: who must hear what, once, in their language."""
