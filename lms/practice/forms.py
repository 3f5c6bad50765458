from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from lms.forms import Form

MIN_HOURS = Decimal("0.25")
MAX_HOURS = Decimal("24")


class HoursForm(Form):
    worked_on = DateField(_l("Date"), validators=[DataRequired(_l("Enter the date you worked."))])
    setting = StringField(_l("Setting"), validators=[DataRequired(), Length(max=120)],
                          description=_l("Where you worked, for example: Riverside drop-in centre, warmline."))
    activity = TextAreaField(_l("Activity"), validators=[DataRequired(), Length(max=2000)],
                             description=_l("What you did, without names or details that identify the people you "
                                            "supported."))
    hours = DecimalField(_l("Hours"), places=2, validators=[
        DataRequired(_l("Enter the number of hours.")),
        NumberRange(min=MIN_HOURS, max=MAX_HOURS, message=_l("Enter between 0.25 and 24 hours.")),
    ], description=_l("In hours; 1.5 is an hour and a half."))
    submit = SubmitField(_l("Log hours"))


class ReturnForm(Form):
    note = TextAreaField(_l("What needs to change"), validators=[
        DataRequired(_l("Say what the trainee should change.")), Length(max=1000)])
    submit = SubmitField(_l("Return to trainee"))


class ReviewForm(Form):
    """Approve or withdraw: the button and the CSRF token."""

    submit = SubmitField(_l("Approve"))
