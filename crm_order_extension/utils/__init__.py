"""Frappe-side helpers shared by the app's adapters (guard.py: a step that must not fail its caller;
messages.py: the translated message of a core RuleError)."""
