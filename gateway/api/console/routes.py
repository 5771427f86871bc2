"""The console's sign-in and sign-out, its actions (confirmed, then audited), and one import.

Every action is a form post with the session's CSRF token: the first post answers with a
confirmation page, the confirmed one runs the action, records it in the audit log, and sends
the browser back to the page it came from, which shows the outcome.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from gateway.api.access import ANYONE, dev_mode, on_this_host
from gateway.api.console.rendering import HEADERS, environment, render, router
from gateway.api.console.sessions import (
    COOKIE,
    PATH,
    SessionDep,
    close_session,
    csrf_matches,
    open_session,
    set_cookie,
    token_signs_in,
)
from gateway.api.console.views import raw, took
from gateway.api.problems import ProblemError
from gateway.bootstrap import Gateway
from gateway.operations import audit
from gateway.operations.actions import ACTIONS
from gateway.operations.readable import known_zone

SIGN_IN_COOKIE = "gateway_console_signin"  # the sign-in form's own CSRF token (double submit)
FIELD_LIMIT = 65_536


async def _form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    if len(body) > FIELD_LIMIT:
        raise ProblemError(413, "form too large")
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _local_path(value: str) -> str:
    """Only a path of the console itself: never a redirect to another site."""
    return value if value.startswith(PATH) and not value.startswith("//") else PATH


@router.get("/admin/sign-in", dependencies=ANYONE, response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = PATH, problem: str = "") -> HTMLResponse:
    config = request.app.state.gateway.config
    csrf = secrets.token_urlsafe(24)
    html = environment.get_template("signin.html").render(
        csrf=csrf, next=_local_path(next), problem=problem,
        dev=dev_mode(config) and on_this_host(request),
    )  # fmt: skip
    response = HTMLResponse(html, headers=HEADERS)
    response.set_cookie(SIGN_IN_COOKIE, csrf, max_age=900, path=PATH, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")  # fmt: skip
    return response


@router.post("/admin/sign-in", dependencies=ANYONE)
async def sign_in(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    form = await _form(request)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, _one(form, "csrf")):
        raise ProblemError(400, "the sign-in form is stale or forged: open /admin/sign-in again")
    operator, token = _one(form, "operator").strip()[:100], _one(form, "token").strip()
    local_dev = dev_mode(gateway.config) and on_this_host(request)
    if not operator or not token_signs_in(gateway.config, token, local_dev=local_dev):
        return sign_in_page(request, _one(form, "next"), "that is not an operator token")
    zone = _one(form, "zone")
    zone = zone if known_zone(zone) else "UTC"
    cookie = await run_in_threadpool(open_session, gateway.store, operator=operator, zone=zone,
                                     now=time.time())  # fmt: skip
    response = RedirectResponse(_local_path(_one(form, "next")), status_code=303)
    set_cookie(response, request, cookie)
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)
    return response


@router.post("/admin/sign-out")
async def sign_out(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    if not csrf_matches(session, _one(form, "csrf")):
        raise ProblemError(403, "the form carries no valid CSRF token")
    close_session(request.app.state.gateway.store, request.cookies.get(COOKIE))
    response = RedirectResponse("/admin/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path=PATH)
    return response


@router.post("/admin/actions/{name}")
async def act(name: str, request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    if not csrf_matches(session, _one(form, "csrf")):
        raise ProblemError(403, "the form carries no valid CSRF token: reload the page")
    action = ACTIONS.get(name)
    if action is None:
        raise ProblemError(404, f"no console action {name!r}")
    values = [v.strip() for v in form.get("value", []) if v.strip()]
    back, target = _local_path(_one(form, "back")), " ".join(values)
    if not values:
        raise ProblemError(422, "the action names nothing to act on")
    if _one(form, "confirmed") != "yes":
        context = {"name": name, "question": action.question.format(target=target),
                   "values": values, "back": back, "live": False}  # fmt: skip
        return render(request, session, "confirm.html", context, title="Please confirm")
    gateway: Gateway = request.app.state.gateway
    entry = await run_in_threadpool(_run, gateway, session.operator, name, values, target)
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}done={entry}", status_code=303)


def _run(gateway: Gateway, operator: str, name: str, values: list[str], target: str) -> int:
    actor, now = audit.Actor(operator, "console"), time.time()
    entry, _ = audit.audited(gateway.store, actor, action=name, target=target, now=now,
                             run=lambda: ACTIONS[name].run(gateway, values, now))  # fmt: skip
    return entry


@router.get("/admin/imports/{import_id}", response_class=HTMLResponse)
def import_page(import_id: int, request: Request, session: SessionDep) -> HTMLResponse:
    gateway: Gateway = request.app.state.gateway
    record = gateway.imports.ledger.get(import_id)
    rejects = gateway.imports.quarantine.list(import_id=import_id) if record else []
    context = {"record": record, "rejects": rejects, "took": took, "raw": raw}
    title = f"Import {import_id}" + (f": {record.file_name}" if record else "")
    return render(request, session, "import.html", context, title=title,
                  status=200 if record else 404)  # fmt: skip
