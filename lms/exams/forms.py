"""Forms of the exam. The answers are not WTForms fields: the items of an attempt are known only at request
time, so the view reads `item-<position>` fields (the places of the options as shown) itself."""

from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from wtforms import BooleanField, DateTimeLocalField, DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.forms import Form

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
ITEM_PREFIX = "item-"


class StartExamForm(Form):
    access_code = StringField(_l("Access code"), validators=[Optional(), Length(max=64)],
                              description=_l("Given by the proctor or your supervisor at the sitting."))
    submit = SubmitField(_l("Start the exam"))


class ExamForm(Form):
    """CSRF protection and the two buttons; the answers are `item-<position>` fields."""

    save = SubmitField(_l("Save my answers"))
    submit = SubmitField(_l("Submit the exam"))


def posted_answers(form_data) -> dict[int, list[int]]:
    """{position: [places of the chosen options]} from the posted fields; anything malformed is left out,
    so a tampered field changes nothing."""
    answers: dict[int, list[int]] = {}
    for key in form_data:
        if not key.startswith(ITEM_PREFIX) or not key[len(ITEM_PREFIX):].isdigit():
            continue
        places = [int(value) for value in form_data.getlist(key) if value.isdigit() and len(value) < 4]
        answers[int(key[len(ITEM_PREFIX):])] = places
    return answers


class SittingForm(Form):
    course_version = SelectField(_l("Course"), coerce=int)  # the choices are the only valid values
    opens_at = DateTimeLocalField(_l("Opens"), format=DATETIME_FORMAT,
                                  validators=[InputRequired(message=_l("Enter the date and time it opens."))])
    closes_at = DateTimeLocalField(_l("Closes"), format=DATETIME_FORMAT,
                                   validators=[InputRequired(message=_l("Enter the date and time it closes."))])
    access_code = StringField(_l("Access code (optional)"), validators=[Optional(), Length(max=64)],
                              description=_l("Trainees type it to start; only a hash of it is kept."))
    proctored = BooleanField(_l("Proctored (a person watches the room or the video call)"))
    proctor_name = StringField(_l("Proctor's name"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Open the sitting"))


def as_utc(value):
    """A date and time typed in the reader's time zone, as an aware UTC datetime."""
    return to_utc(value).replace(tzinfo=UTC)


class ActionForm(Form):
    """A one-button form (close a sitting): CSRF only."""


class VoidForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason; it is kept on the "
                                                                             "record.")), Length(max=2000)],
                           description=_l("For example: a technical failure during the attempt, or an "
                                          "irregularity the proctor reported."))
    submit = SubmitField(_l("Void this attempt"))


class ExtraTimeForm(Form):
    time_multiplier = DecimalField(_l("Time multiplier"), places=2,
                                   validators=[InputRequired(message=_l("Enter a number, for example 1.5."))],
                                   description=_l("1.5 gives half as long again; from 1 to 4."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason; it is kept on the "
                                                                             "record.")), Length(max=2000)])
    submit = SubmitField(_l("Grant extra time"))
