from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.auth.forms import PASSWORD_HELP, PASSWORD_RULES
from lms.forms import Form
from lms.i18n.selection import LANGUAGES

ROLE_CHOICES = [
    SelectChoice("trainee", _l("Trainee")),
    SelectChoice("supervisor", _l("Supervisor")),
    SelectChoice("org_admin", _l("Organization administrator")),
]


# Each language named in itself; "" leaves the choice to the organization's default and the person's browser.
LANGUAGE_CHOICES = [SelectChoice("", _l("The organization's default")),
                    *(SelectChoice(code, name) for code, name in LANGUAGES.items())]


class InviteForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="trainee")
    cohort = SelectField(_l("Cohort"), coerce=int, default=0,
                         description=_l("Trainees join it as trainees, supervisors as its supervisors."))
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="",
                           description=_l("The invitation e-mail and PeerCert's pages are in this language; the "
                                          "person can change it later."))
    submit = SubmitField(_l("Send invitation"))


class CsvUploadForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file.")), FileAllowed(["csv", "txt"], _l("Upload a .csv file."))],
        description=_l("Columns: email, name, and optionally role (trainee, supervisor or org_admin), cohort and "
                       "language (en or es). The first row names the columns."),
    )
    cohort = SelectField(_l("Cohort for rows without one"), coerce=int, default=0)
    submit = SubmitField(_l("Check the file"))


class CsvConfirmForm(Form):
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Send all invitations"))


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class AcceptInvitationForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("As it should appear on your certificate."))
    password = PasswordField(_l("Password"), validators=PASSWORD_RULES, description=PASSWORD_HELP)
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    submit = SubmitField(_l("Create my account"))


class CohortForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: Spring 2026."))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    submit = SubmitField(_l("Save cohort"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SupervisorsForm(Form):
    supervisors = MultiCheckboxField(_l("Supervisors"), coerce=int)
    submit = SubmitField(_l("Save supervisors"))


class TraineesForm(Form):
    trainees = MultiCheckboxField(_l("Trainees"), coerce=int)
    submit = SubmitField(_l("Add to cohort"))


class EnrolForm(Form):
    course_version = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Enrol the cohort"))
