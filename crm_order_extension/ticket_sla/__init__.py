"""Helpdesk ticket SLA notices: the at-risk point stored with the ticket's targets (targets.py), the
set-based 5-minute sweep (sweep.py) and where the notices go (notices.py)."""
