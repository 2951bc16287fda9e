"""Idempotent default records the app needs beyond its fixtures.

Each step creates only what is missing and never changes a record that already exists, so an
admin's edits survive every migrate.
"""

STEPS = []
