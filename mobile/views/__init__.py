"""Flet controls drawing the view models: thin, no logic beyond wiring events."""
