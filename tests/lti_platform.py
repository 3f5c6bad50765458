"""An independent LTI 1.3 platform for the tests (PyPI `lti1p3platform`'s core, behind a small Flask app), the
tool (our app) beside it, each a real server on 127.0.0.1, and a `Browser` that re-posts auto-submit forms.

Only lti1p3platform's core modules are imported: its `framework` adapters need `pkg_resources`. The platform
keeps its users, links, line items, scores and roster in memory; tests read its grade book directly."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, make_response, request
from lti1p3platform.exceptions import LtiServiceException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from werkzeug.serving import make_server

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
CONTEXT_ID = "course-101"
_ids = itertools.count(1)


def _keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class Server:
    """A WSGI app on a free port of 127.0.0.1, in a thread (threaded: the tool and the platform call
    each other while a request is open)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


class _Request(Request):
    def build_metadata(self, r):
        return {"method": r.method, "form_data": r.form.to_dict(), "get_data": r.args.to_dict(),
                "headers": dict(r.headers), "content_type": r.content_type, "path": r.path,
                "json": r.get_json(silent=True)}


@dataclass
class Platform:
    """The platform's state. `deployment_id` is what its launches claim (change it to test refusals)."""

    client_id: str = "peercert-tool"
    deployment_id: str = "dep-1"
    users: dict = field(default_factory=dict)  # login hint -> {sub, name, email, roles}
    links: dict = field(default_factory=dict)  # resource link id -> {title, custom, lineitem}
    lineitems: dict = field(default_factory=dict)  # id -> line item
    scores: dict = field(default_factory=dict)  # line item id -> {user id: score}
    deep_link_items: list = field(default_factory=list)
    tool_url: str = ""
    url: str = ""
    tamper: object = None  # a function changing the launch message before it is signed
    token_lifetime: int = 300  # seconds; negative for an id_token already expired

    def __post_init__(self):
        self.private_pem, self.public_pem = _keypair()

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self) -> Registration:
        return (Registration()
                .set_iss(self.issuer).set_client_id(self.client_id).set_deployment_id(self.deployment_id)
                .set_oidc_login_url(self.tool_url + "/lti/login").set_launch_url(self.tool_url + "/lti/launch")
                .set_deeplink_launch_url(self.tool_url + "/lti/launch")
                .set_platform_private_key(self.private_pem).set_platform_public_key(self.public_pem)
                .set_tool_key_set_url(self.tool_url + "/lti/jwks"))

    def conf(self) -> _Conf:
        conf = _Conf(platform=self)
        conf.get_registration()
        return conf

    # -- what tests use -------------------------------------------------------------------------------

    def add_user(self, role: str = LEARNER, *, name: str = "Ada Learner", email: str | None = None) -> str:
        n = next(_ids)
        hint = f"user-{n}-{uuid.uuid4().hex[:6]}"
        self.users[hint] = {"sub": f"sub-{hint}", "name": name, "email": email or f"{hint}@lms.example.com",
                            "roles": [role]}
        return hint

    def add_link(self, target: str, *, graded: bool = True, title: str = "PeerCert") -> str:
        rlid = f"rl-{next(_ids)}-{uuid.uuid4().hex[:6]}"
        self.links[rlid] = {"title": title, "custom": {"peercert_target": target}, "lineitem": None}
        if graded:
            self.links[rlid]["lineitem"] = self.create_lineitem({"label": title, "scoreMaximum": 100,
                                                                 "resourceLinkId": rlid, "tag": target})["id"]
        return rlid

    def login_url(self, hint: str, message_hint: str) -> str:
        login = _Login(None, self.conf())
        login.set_lti_message_hint(hint=message_hint)
        if message_hint.startswith("dl:"):
            login.set_deeplinking_launch_url()
        return login.prepare_preflight_url(hint)

    def create_lineitem(self, data: dict) -> dict:
        lineitem_id = f"{self.url}/contexts/{CONTEXT_ID}/lineitems/{next(_ids)}"
        item = {**data, "id": lineitem_id}
        self.lineitems[lineitem_id] = item
        self.scores[lineitem_id] = {}
        return item

    def score_of(self, rlid: str, hint: str) -> dict | None:
        return self.scores.get(self.links[rlid]["lineitem"], {}).get(self.users[hint]["sub"])


class _Conf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, platform: Platform) -> None:
        self.platform = platform

    def get_registration_by_params(self, **kwargs):
        return self.platform.registration()


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        fields = "".join(f'<input type="hidden" name="{name}" value="{launch_data[name]}">'
                         for name in ("id_token", "state"))
        return f'<form method="post" action="{launch_data["launch_url"]}">{fields}</form>'

    def get_launch_data(self):
        message, state = super().get_launch_data()
        tamper = self._platform_config.platform.tamper
        return (tamper(message) if tamper else message), state


class _Grades(AssignmentsGradesService):
    def __init__(self, platform: Platform, req):
        base = f"{platform.url}/contexts/{CONTEXT_ID}/lineitems"
        super().__init__(req, platform.conf(), base)
        self.platform = platform

    def find_lineitems(self, **kwargs):
        return {"content": list(self.platform.lineitems.values()), "has_next": False}

    def find_lineitem(self, line_item_id):
        return self.platform.lineitems[line_item_id]

    def create_lineitem(self, creation_data):
        return self.platform.create_lineitem(creation_data)

    def update_lineitem(self, update_data):
        return update_data

    def delete_lineitem(self, line_item_id):
        return None

    def update_score(self, line_item_id, score):
        if line_item_id not in self.platform.scores:
            from lti1p3platform.exceptions import LineItemNotFoundException

            raise LineItemNotFoundException()
        self.platform.scores[line_item_id][score["userId"]] = score
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, **kwargs):
        return {"content": list(self.platform.scores.get(line_item_id, {}).values()), "has_next": False}


class _Roster(NamesRoleProvisioningService):
    def __init__(self, platform: Platform, req):
        super().__init__(req, platform.conf(), f"{platform.url}/contexts/{CONTEXT_ID}/memberships")
        self.platform = platform

    def get_member_data_page(self, **kwargs):
        members = [{"user_id": u["sub"], "name": u["name"], "email": u["email"], "roles": u["roles"],
                    "status": "Active"} for u in self.platform.users.values()]
        return {"content": members, "has_next": False}

    def get_context_by_id(self):
        return Context(id=CONTEXT_ID, label="PSS-101", title="Peer support 101")


def _answer(resp):
    if resp.code >= 400:
        return jsonify(error=resp.message), resp.code
    response = make_response(jsonify(resp.result) if resp.result is not None else "", resp.code)
    response.headers["Content-Type"] = resp.media_type
    return response


def platform_app(platform: Platform) -> Flask:
    app = Flask("lti_test_platform")
    app.config["SESSION_COOKIE_NAME"] = "platform_session"
    _message_routes(app, platform)
    _service_routes(app, platform)
    return app


def _message_routes(app: Flask, platform: Platform) -> None:
    """What the browser visits: the authorization endpoint and the deep-linking return."""

    @app.get("/auth")
    def auth():
        launch = _Launch(_Request(request), platform.conf())
        launch.set_id_token_expiration(platform.token_lifetime)
        preflight = launch.get_preflight_response()
        user = platform.users.get(preflight.get("login_hint"))
        if user is None:
            return "unknown user", 400
        launch.set_user_data(user["sub"], user["roles"], full_name=user["name"], email_address=user["email"])
        launch.set_launch_context_claim(CONTEXT_ID, context_title="Peer support 101", context_label="PSS-101")
        launch.set_nrps(f"{platform.url}/contexts/{CONTEXT_ID}/memberships")
        hint = preflight.get("lti_message_hint") or ""
        if hint.startswith("dl:"):
            launch.set_dl(f"{platform.url}/deep_link_return", title="Pick content", accept_types={"ltiResourceLink"})
        else:
            link = platform.links[hint]
            launch.set_resource_link_claim(hint, title=link["title"])
            launch.set_custom_parameters_claim(link["custom"])
            launch.set_ags(f"{platform.url}/contexts/{CONTEXT_ID}/lineitems", lineitem_url=link["lineitem"])
        return launch.lti_launch()

    @app.post("/deep_link_return")
    def deep_link_return():
        try:
            items = platform.conf().validate_deeplinking_resp({"JWT": request.form["JWT"]})
        except Exception as error:  # lti1p3platform's refusals, any kind
            return f"refused: {error}", 400
        for item in items:
            rlid = f"rl-dl-{next(_ids)}"
            lineitem = None
            if item.get("lineItem"):
                lineitem = platform.create_lineitem({**item["lineItem"], "resourceLinkId": rlid})["id"]
            platform.links[rlid] = {"title": item.get("title", ""), "custom": item.get("custom", {}),
                                    "lineitem": lineitem}
            platform.deep_link_items.append({**item, "resource_link_id": rlid})
        return "content placed", 200


def _service_routes(app: Flask, platform: Platform) -> None:
    """What the tool calls server to server: token, key set, line items and scores, the roster."""

    @app.post("/token")
    def token():
        try:
            return jsonify(platform.conf().get_access_token(request.form.to_dict()))
        except Exception as error:  # lti1p3platform's own refusals, any kind
            return jsonify(error="invalid_client", message=str(error)), 400

    @app.get("/jwks")
    def jwks():
        return jsonify(platform.conf().get_jwks())

    def _bearer_ok(scopes):
        auth = request.headers.get("Authorization", "").split()
        try:
            return len(auth) == 2 and platform.conf().validate_token(auth[1], scopes)
        except Exception:
            return False

    @app.route(f"/contexts/{CONTEXT_ID}/lineitems", methods=["GET", "POST"])
    def lineitems():
        if not _bearer_ok(["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"]):
            return jsonify(error="unauthorized"), 401
        if request.method == "POST":
            return jsonify(platform.create_lineitem(request.get_json(force=True))), 201
        return jsonify(list(platform.lineitems.values()))

    @app.post(f"/contexts/{CONTEXT_ID}/lineitems/<int:n>/scores")
    def scores(n):
        lineitem_id = f"{platform.url}/contexts/{CONTEXT_ID}/lineitems/{n}"
        return _answer(_Grades(platform, _Request(request)).handle_update_score(lineitem_id))

    @app.get(f"/contexts/{CONTEXT_ID}/memberships")
    def memberships():
        service = _Roster(platform, _Request(request))
        try:
            return _answer(service.handle_get_members())
        except LtiServiceException as error:
            return jsonify(error=error.message), error.status_code



class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser(requests.Session):
    """A person's browser: follows redirects and posts the auto-submit forms of LTI messages."""

    def auto_post(self, response, *, change=None) -> requests.Response:
        form = forms_of(response.text)[0]
        fields = dict(form["fields"])
        if change:
            fields = change(fields)
        return self.post(urljoin(response.url, form["action"]), data=fields)

    def launch(self, platform: Platform, hint: str, message_hint: str) -> requests.Response:
        """Login initiation at the tool, the platform's authorization, and the launch form posted back."""
        at_platform = self.get(platform.login_url(hint, message_hint))
        assert at_platform.status_code == 200, at_platform.text[:500]
        return self.auto_post(at_platform)
