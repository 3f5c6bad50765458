from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DecimalField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.forms import Form


class ContinuingEducationForm(Form):
    title = StringField(_l("Activity"), validators=[DataRequired(message=_l("Name the activity.")), Length(max=200)],
                        description=_l("For example: Trauma-informed care workshop."))
    provider = StringField(_l("Provider"), validators=[Optional(), Length(max=200)],
                           description=_l("Who ran it (optional)."))
    hours = DecimalField(
        _l("Hours"),
        places=2,
        validators=[InputRequired(message=_l("Enter the hours, for example 1.5.")),
                    NumberRange(min=0.25, max=200, message=_l("Enter between 0.25 and 200 hours."))],
    )
    completed_on = DateField(_l("Date completed"),
                             validators=[InputRequired(message=_l("Enter the date you completed it."))])
    evidence = FileField(
        _l("Evidence"),
        validators=[
            FileRequired(_l("Attach a certificate of attendance or similar evidence.")),
            FileAllowed(["pdf", "png", "jpg", "jpeg"], _l("Upload a PDF, PNG or JPEG file.")),
        ],
        description=_l("A PDF, PNG or JPEG file, up to 10 MB: for example a certificate of attendance."),
    )
    submit = SubmitField(_l("Send for approval"))


class DeleteForm(Form):
    """The "Remove" button beside an activity: only the CSRF token."""

    submit = SubmitField(_l("Remove"))


class ReviewForm(Form):
    note = TextAreaField(_l("Note to the trainee"), validators=[Optional(), Length(max=2000)],
                         description=_l("Needed when you send an activity back."))
    approve = SubmitField(_l("Approve"))
    send_back = SubmitField(_l("Send back"))
