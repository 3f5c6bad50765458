"""The floor for a page: the same app and template, rendered from a context held in memory.

`gunicorn -c gunicorn.conf.py "bench.floor_app:create_floor_app()"` with the page's environment
(DATABASE_URL etc., as for the real app) plus

    FLOOR_PAGES   JSON {"name": "/path/of/the/page", ...}
    FLOOR_LOGIN   JSON {"name": ["email", "password"], ...}: who opens each page

At start, each worker opens every page once as that person and keeps the template and the context
the view passed to it. `GET /floor/<name>` then renders that template from that context: routing,
the app's request hooks, Jinja, gettext and the response, but no database and no view code. A page's
requests per second beside its floor's show what its loading costs.
"""

from __future__ import annotations

import json
import os

from flask import abort, g, render_template, request, template_rendered

from lms import create_app
from lms.auth.permissions import public


def _capture(app, path: str, email: str, password: str) -> tuple[str, dict, object]:
    """Open `path` as the person twice (the first view may record activity) and keep the second
    rendering's template, the view's own context, and the signed-in user."""
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"floor: could not sign in as {email} (HTTP {response.status_code})")
    captured: list = []

    def record(sender, template, context, **extra):
        captured.append((template.name, dict(context)))

    client.get(path)
    with template_rendered.connected_to(record, app):
        response = client.get(path)
    if response.status_code != 200 or not captured:
        raise RuntimeError(f"floor: {path} answered HTTP {response.status_code}")
    name, context = captured[-1]
    with app.test_request_context(path):
        added_by_app = {}
        app.update_template_context(added_by_app)
    view_context = {key: value for key, value in context.items() if key not in added_by_app}
    return name, view_context, context.get("current_user")


def create_floor_app():
    """The gunicorn entry point: the app from the environment, with the floors of FLOOR_PAGES."""
    # The captures sign in through the login form without its CSRF token (the floor serves no forms).
    os.environ.setdefault("FLASK_WTF_CSRF_ENABLED", "false")
    return install_floor(create_app(), json.loads(os.environ.get("FLOOR_PAGES", "{}")),
                         json.loads(os.environ.get("FLOOR_LOGIN", "{}")))


def install_floor(app, pages: dict[str, str], logins: dict[str, list[str]]):
    """Add `GET /floor/<name>` to an app that has served no request yet, then capture each page."""
    floors: dict[str, tuple] = {}

    def sign_in_from_memory():
        name = request.view_args.get("name") if request.view_args else None
        if request.endpoint == "bench_floor" and name in floors:
            g._login_user = floors[name][2]  # flask-login's cache: the signed-in user, not loaded

    app.before_request_funcs.setdefault(None, []).insert(0, sign_in_from_memory)

    @app.get("/floor/<name>", endpoint="bench_floor")
    @public
    def floor(name: str):
        if name not in floors:
            abort(404)
        template, context, _user = floors[name]
        return render_template(template, **context)

    for name, path in pages.items():  # after the routes: an app takes no new routes once it served
        email, password = logins[name]
        floors[name] = _capture(app, path, email, password)
    return app
