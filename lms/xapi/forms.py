from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import Length, Optional

from lms.forms import Form


class XapiSettingsForm(Form):
    endpoint = StringField(_l("LRS endpoint"), validators=[Optional(), Length(max=500)],
                           description=_l("The xAPI address your learning record store gives you, for example "
                                          "https://lrs.example.org/xAPI/ (we add “statements”)."))
    key = StringField(_l("Key"), validators=[Optional(), Length(max=200)],
                      description=_l("The key (user name) of the LRS credentials made for PeerCert."))
    secret = PasswordField(_l("Secret"), validators=[Optional(), Length(max=500)])
    identify_by_email = BooleanField(
        _l("Identify people by their e-mail address"),
        description=_l("Off: each person is an account on this site with an opaque id, and the LRS receives no "
                       "personal data. Turn it on only if your LRS must match people by e-mail."))
    enabled = BooleanField(_l("Send learning records to this LRS"))
    submit = SubmitField(_l("Save settings"))


class ActionForm(Form):
    """A one-button form (send a test statement, retry): only the CSRF token."""

    submit = SubmitField(_l("Go"))
