"""Answering a pydantic model from a synchronous endpoint without FastAPI validating it again.

FastAPI validates what a synchronous endpoint returns against its ``response_model`` on a
worker thread (one more hop) and then serialises it. An endpoint that already built its exact
response model can hand it over serialised: ``json_response(model)`` gives the same bytes that
FastAPI's own fast path (``dump_json`` with ``by_alias=True``) would, and the route keeps its
``response_model`` for the OpenAPI document.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    body = model.__pydantic_serializer__.to_json(model, by_alias=True)
    return Response(content=body, status_code=status_code, media_type="application/json")
