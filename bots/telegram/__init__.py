"""Telegram (python-telegram-bot 22): webhook on the backend's address, polling for development."""
