"""Flask's signed-cookie session, without its cost on requests that carry no session cookie (a fast path:
used only when FAST_PATHS is on; off, the app keeps Flask's own interface)."""

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from lms.lti.framing import frame_origins


def session_interface_for(app: Flask) -> SecureCookieSessionInterface:
    return CookieSessionInterface() if app.config.get("FAST_PATHS") else FramedSessionInterface()


class FramedSessionInterface(SecureCookieSessionInterface):
    """A session opened by an LTI launch lives in a platform's iframe: over https its cookie is
    `SameSite=None; Secure`, or the browser would not send it with the platform's cross-site launch
    (lms/lti/framing.py). Every other session keeps the configured SameSite."""

    def _framed(self) -> bool:
        return request.is_secure and bool(frame_origins())

    def get_cookie_samesite(self, app):
        return "None" if self._framed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app):
        return True if self._framed() else super().get_cookie_secure(app)


class CookieSessionInterface(FramedSessionInterface):
    """The same cookie, the same signing; only the work a cookie-less request cannot need is skipped.

    Flask builds a signing serializer (key list, signer, a trial JSON dump) when each request opens
    its session, and works out every cookie attribute when each response saves it, even when there is
    no cookie to read or to write. Anonymous callers of the JSON API never send one, and that work
    was a tenth of a verification request.
    """

    def open_session(self, app, request):
        if not app.secret_key:
            return None  # as Flask: a null session, which refuses to be written
        # No Cookie header at all is checked in the environ (`request.cookies` reads every header first).
        if "HTTP_COOKIE" not in request.environ or not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # no session cookie: nothing to verify
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if not session and not session.modified:  # nothing to set, nothing to delete
            if session.accessed:  # as Flask: Vary: Cookie (without parsing a Vary header that is not there)
                if response.headers.get("Vary") is None:
                    response.headers["Vary"] = "Cookie"
                else:
                    response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
