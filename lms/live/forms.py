from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from lms.forms import Form
from lms.live import rules
from lms.models import AttendanceStatus

STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.LEFT_EARLY: _l("Left early"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.EXCUSED: _l("Excused"),
}


def _http_link(form, field):
    if field.data and not field.data.startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a web address starting with https://."))


class SessionForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the session a title.")), Length(max=200)])
    course = SelectField(_l("Course"), coerce=int, validate_choice=False,
                         description=_l("Attended minutes count toward this course's live hours."))
    module = SelectField(_l("Module"), coerce=int, validate_choice=False, default=0)
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)],
                        description=_l("Optional, for example: practising the limits of confidentiality."))
    starts_at = DateTimeLocalField(_l("Starts at"), format="%Y-%m-%dT%H:%M", validators=[
        DataRequired(_l("Enter the date and time the session starts."))])
    duration = IntegerField(_l("Duration in minutes"), validators=[
        InputRequired(_l("Enter the length of the session in minutes.")),
        NumberRange(min=1, max=600, message=_l("Enter between 1 and 600 minutes."))])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)],
                        description=_l("The room and address, if the session is held in person."))
    video_url = StringField(_l("Video link"), validators=[Optional(), Length(max=500), _http_link],
                            description=_l("The meeting link, if the session is held on video."))
    submit = SubmitField(_l("Schedule session"))


class MakeUpForm(Form):
    trainee = SelectField(_l("Trainee"), coerce=int, validate_choice=False)
    course = SelectField(_l("Course"), coerce=int, validate_choice=False)
    minutes = IntegerField(_l("Minutes made up"), validators=[
        InputRequired(_l("Enter the minutes made up.")),
        NumberRange(min=1, max=600, message=_l("Enter between 1 and 600 minutes."))])
    reason = TextAreaField(_l("How the time was made up"), validators=[
        DataRequired(_l("Say how the time was made up.")), Length(max=1000)],
        description=_l("For example: watched the recording and discussed it with me for 45 minutes."))
    submit = SubmitField(_l("Approve make-up"))


class CancelForm(Form):
    """Cancel a session: the button and the CSRF token."""

    submit = SubmitField(_l("Cancel session"))


class _AttendanceBase(Form):
    submit = SubmitField(_l("Save attendance"))
    duration = 0
    trainee_ids: tuple[int, ...] = ()

    def rows(self, trainees):
        return [(trainee, self[f"status_{trainee.id}"], self[f"minutes_{trainee.id}"]) for trainee in trainees]

    def entries(self) -> dict[int, tuple[str, int | None]]:
        return {user_id: (self[f"status_{user_id}"].data, self[f"minutes_{user_id}"].data)
                for user_id in self.trainee_ids}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for user_id in self.trainee_ids:
            status, minutes = self[f"status_{user_id}"].data, self[f"minutes_{user_id}"]
            if minutes.errors:
                continue
            try:
                rules.attended_minutes(status, self.duration, minutes.data)
            except rules.MinutesProblem as problem:
                minutes.errors.append(minutes_message(problem.kind, self.duration))
                valid = False
            except ValueError:
                valid = False  # an unknown status: the select's own check already said so
        return valid


def minutes_message(kind: str, duration: int) -> str:
    if kind == "missing":
        return str(_l("Late or left early: enter the minutes attended."))
    return str(_l("Enter between 1 and %(max)d minutes (present is the whole session).", max=duration - 1))


def attendance_form(trainees, *, duration: int, existing: dict):
    """A form with a status and a minutes field per trainee, filled with what was recorded before."""
    fields = {}
    for trainee in trainees:
        row = existing.get(trainee.id)
        status = row.status if row else AttendanceStatus.PRESENT
        fields[f"status_{trainee.id}"] = SelectField(
            _l("Attendance of %(name)s", name=trainee.name), default=str(status),
            choices=[SelectChoice(str(value), label) for value, label in STATUS_LABELS.items()])
        fields[f"minutes_{trainee.id}"] = IntegerField(
            _l("Minutes attended by %(name)s", name=trainee.name),
            default=row.minutes if row and status in rules.PARTIAL else None,
            validators=[Optional(), NumberRange(min=0, max=duration, message=_l(
                "Enter between 1 and %(max)d minutes (present is the whole session).", max=duration - 1))])
    fields["duration"] = duration
    fields["trainee_ids"] = tuple(trainee.id for trainee in trainees)
    return type("AttendanceForm", (_AttendanceBase,), fields)()
