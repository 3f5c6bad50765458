from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import Form


class ApiKeyForm(Form):
    organization = SelectField(_l("Organization"), coerce=int, validators=[Optional()])
    name = StringField(_l("Key name"), validators=[DataRequired(message=_l("Name the key.")), Length(max=120)],
                       description=_l("What will use it, for example: HR onboarding system."))
    submit = SubmitField(_l("Create key"))


class RevokeKeyForm(Form):
    """The "Revoke" button beside a key: only the CSRF token."""

    submit = SubmitField(_l("Revoke"))
