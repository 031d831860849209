"""RFC 9457 problem details: every error the API gives is ``application/problem+json``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

PROBLEM_JSON = "application/problem+json"


class InvalidParam(BaseModel):
    """One parameter that was refused, and why."""

    name: str
    location: str
    reason: str


class ProblemBody(BaseModel):
    """An RFC 9457 problem: ``type``, ``title``, ``status``, ``detail``."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    invalid_params: list[InvalidParam] | None = None
    retry_after: int | None = None


class Problem(Exception):
    """Raise to answer with a problem body."""

    def __init__(self, status: int, title: str, detail: str | None = None, *,
                 invalid: list[InvalidParam] | None = None,
                 headers: dict[str, str] | None = None, retry_after: int | None = None) -> None:
        super().__init__(detail or title)
        self.body = ProblemBody(title=title, status=status, detail=detail,
                                invalid_params=invalid, retry_after=retry_after)
        self.headers = headers or {}


def invalid(name: str, reason: str, location: str = "query") -> Problem:
    """422 naming the parameter ``name``."""
    return Problem(422, "Invalid parameter", f"{name}: {reason}",
                   invalid=[InvalidParam(name=name, location=location, reason=reason)])


def problem_response(problem: Problem) -> Response:
    """The problem as a response."""
    return JSONResponse(problem.body.model_dump(exclude_none=True), status_code=problem.body.status,
                        headers=problem.headers, media_type=PROBLEM_JSON)


def _content(description: str) -> dict[str, Any]:
    return {"description": description, "model": ProblemBody,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemBody"}}}}


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _content("No token, or an unknown or revoked one"),
    403: _content("The token lacks the scope this operation needs"),
    422: _content("A parameter or body field is malformed; `invalid_params` names it"),
    429: _content("Too many requests for this token; see the Retry-After header"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _content("No such resource")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _content("Not possible in its current state")}


def install(api: FastAPI) -> None:
    """Turn every error FastAPI or Starlette raises into a problem body."""

    async def on_problem(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc)

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        params = []
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            location = loc[0] if loc else "request"
            name = ".".join(loc[1:]) or location
            params.append(InvalidParam(name=name, location=location,
                                       reason=str(error.get("msg", "invalid"))))
        names = ", ".join(dict.fromkeys(param.name for param in params))
        return problem_response(Problem(422, "Invalid parameter", f"invalid: {names}",
                                        invalid=params))

    async def on_http(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:  # FastAPI's "error parsing the body": malformed input too
            return problem_response(invalid("body", str(exc.detail), location="body"))
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem_response(Problem(exc.status_code, title, str(exc.detail),
                                        headers=dict(exc.headers or {})))

    api.add_exception_handler(Problem, on_problem)
    api.add_exception_handler(RequestValidationError, on_validation)
    api.add_exception_handler(StarletteHTTPException, on_http)
