"""Rasa custom actions (rasa-sdk) backed by the conversation core; see ``actions``."""
