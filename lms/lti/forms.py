from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import Form


def _required(message):
    return DataRequired(message=message)


class PlatformForm(Form):
    organization = SelectField(_l("Organization"), coerce=int, validators=[Optional()])
    name = StringField(_l("Name"), validators=[_required(_l("Name the platform.")), Length(max=120)],
                       description=_l("For your own lists, for example: County Moodle."))
    issuer = StringField(_l("Issuer (platform ID)"),
                         validators=[_required(_l("Enter the platform's issuer.")), Length(max=255)],
                         description=_l("Moodle: Platform ID. Canvas: https://canvas.instructure.com "
                                        "(or your own Canvas's address if it is self-hosted)."))
    client_id = StringField(_l("Client ID"), validators=[_required(_l("Enter the client ID.")), Length(max=255)],
                            description=_l("Moodle: Client ID. Canvas: the developer key's ID (a long number)."))
    deployment_ids = TextAreaField(_l("Deployment IDs"), validators=[Length(max=5000)],
                                   description=_l("One a line. Moodle: Deployment ID. Canvas: the deployment ID "
                                                  "shown in the app's settings."))
    auth_login_url = StringField(_l("Authentication request URL"),
                                 validators=[_required(_l("Enter the address.")), Length(max=500)],
                                 description=_l("Moodle: Authentication request URL. Canvas: "
                                                "https://sso.canvaslms.com/api/lti/authorize_redirect"))
    auth_token_url = StringField(_l("Access token URL"),
                                 validators=[_required(_l("Enter the address.")), Length(max=500)],
                                 description=_l("Moodle: Access token URL. Canvas: "
                                                "https://sso.canvaslms.com/login/oauth2/token"))
    key_set_url = StringField(_l("Public keyset URL"),
                              validators=[_required(_l("Enter the address.")), Length(max=500)],
                              description=_l("Moodle: Public keyset URL. Canvas: "
                                             "https://sso.canvaslms.com/api/lti/security/jwks"))
    submit = SubmitField(_l("Save platform"))


class ActionForm(Form):
    submit = SubmitField(_l("Confirm"))


class DeepLinkForm(Form):
    target = SelectField(_l("What to place in your course"), validators=[_required(_l("Choose what to place."))])
    submit = SubmitField(_l("Place it"))


class RosterForm(Form):
    cohort = SelectField(_l("Cohort"), coerce=int, validators=[_required(_l("Choose a cohort."))])
    submit = SubmitField(_l("Read the roster into this cohort"))
