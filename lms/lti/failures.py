"""pylti1p3's exceptions, read as a refusal a person understands and a short reason for the audit log."""

from flask_babel import lazy_gettext as _

from lms.errors import LaunchRefused

# (words in pylti1p3's message, reason, HTTP status)
_KNOWN = [
    (("expired",), "expired", 400),  # "Signature has expired": before the signature's own words
    (("signature", "unable to find public key", "can't decode id_token", "jwt kid", "jwt alg",
      "convert jwt key"), "bad_signature", 400),
    (("state",), "bad_state", 400),
    (("nonce",), "bad_nonce", 400),
    (("registration", "client id not registered", "issuer"), "unknown_platform", 403),
    (("deployment",), "unknown_deployment", 403),
    (("jwt must contain", "jwt format", "missing id_token"), "malformed", 400),
]

_MESSAGES = {
    "bad_signature": _("The platform's signature on this launch does not check out, so it was refused."),
    "bad_state": _("This launch does not belong to this browser session, or it expired. Open the link again "
                   "from your course."),
    "bad_nonce": _("This launch expired or was already used. Open the link again from your course."),
    "unknown_platform": _("This platform is not registered with PeerCert. Its administrator registers it on "
                          "PeerCert's LTI page first."),
    "unknown_deployment": _("This deployment of the tool is not registered with PeerCert. Add its deployment ID "
                            "to the platform's registration."),
    "expired": _("This launch has expired. Open the link again from your course."),
    "malformed": _("The launch is not a well-formed LTI 1.3 message."),
    "missing_claims": _("The launch is missing information that LTI 1.3 requires."),
}


def refusal_for(error: Exception) -> LaunchRefused:
    text = str(error).lower()
    for words, reason, status in _KNOWN:
        if any(word in text for word in words):
            return LaunchRefused(str(_MESSAGES[reason]), reason=reason, status_code=status)
    return LaunchRefused(str(_MESSAGES["missing_claims"]), reason="missing_claims", status_code=400)
