from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import Form


class ProviderForm(Form):
    name = StringField(_l("Name shown to people"), validators=[DataRequired(), Length(max=80)],
                       description=_l("The button reads “Sign in with …”: for example Riverside Health account."))
    slug = StringField(_l("Sign-in address"), validators=[DataRequired(), Length(max=60)],
                       description=_l("Lower-case letters, digits and hyphens: people can bookmark /sso/ "
                                      "followed by it."))
    discovery_url = StringField(_l("Issuer or discovery URL"), validators=[DataRequired(), Length(max=500)],
                                description=_l("The provider's issuer, e.g. https://login.example.org/realms/staff; "
                                               "we read its /.well-known/openid-configuration when you save."))
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(_l("Client secret"), validators=[Length(max=1000)])
    allowed_domains = TextAreaField(_l("Allowed e-mail domains"), validators=[DataRequired(), Length(max=5000)],
                                    description=_l("Only addresses at these domains may sign in through the "
                                                   "provider, e.g. riverside.example.org"))
    local_passwords_allowed = BooleanField(_l("People of the organization may also log in with a password here"))
    join_as_trainee = BooleanField(_l("Someone without an account joins the organization as a trainee at their "
                                      "first sign-in"))
    submit = SubmitField(_l("Save"))


class RemoveProviderForm(Form):
    submit = SubmitField(_l("Stop signing in through this provider"))


class StartForm(Form):
    submit = SubmitField(_l("Continue"))
