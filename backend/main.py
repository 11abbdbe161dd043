"""The single-process default: the API with the bots and web app mounted beside it."""

from backend.app import create_app

app = create_app()
