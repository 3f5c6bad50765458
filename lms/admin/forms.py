from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import Form

ROLE_CHOICES = [
    SelectChoice("trainee", _l("Trainee")),
    SelectChoice("supervisor", _l("Supervisor")),
    SelectChoice("org_admin", _l("Organization administrator")),
    SelectChoice("admin", _l("Administrator")),
]


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    organization = SelectField(_l("Organization"), coerce=int, default=0,
                               description=_l("Supervisors and organization administrators belong to one."))
    confirm_move = HiddenField()  # "yes" once the administrator has seen which cohort memberships a move ends
    submit = SubmitField(_l("Save role"))


class OrganizationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    invite_code = StringField(_l("Registration code"), validators=[Optional(), Length(max=40)],
                              description=_l("Optional. People who register with this code join the organization."))
    submit = SubmitField(_l("Save organization"))


class EraseForm(Form):
    confirm_email = StringField(_l("Type the person's email address to confirm"), validators=[DataRequired()])
    submit = SubmitField(_l("Erase this person's data"))


class ActionForm(Form):
    submit = SubmitField(_l("Confirm"))
