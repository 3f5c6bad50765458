"""Forms for attempts, uploads and rubric grading. The rubric form is built per scenario."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.forms import Form
from lms.roleplay.attempts import MAX_REPLY_CHARS
from lms.roleplay.grading import Scores
from lms.roleplay.rubric import BREACH, LEVELS, NO_BREACH, Criterion


class ActionForm(Form):
    """A button that changes something (start, submit, delete a draft, mark a calibration sample)."""

    submit = SubmitField(_l("Continue"))


class ReplyForm(Form):
    turn = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    reply = TextAreaField(_l("Your reply"), validators=[DataRequired(message=_l("Write a reply before continuing.")),
                                                        Length(max=MAX_REPLY_CHARS)])


class RecordingForm(Form):
    recording = FileField(
        _l("Recording"),
        description=_l("An audio or video file of the role-play done with a partner: MP3, M4A, MP4, WebM, OGG or "
                       "WAV."),
    )
    submit = SubmitField(_l("Upload and submit"))


def _id_or_zero(value) -> int:
    """A chosen id; the empty placeholder option (valid HTML for a required select) is 0, meaning none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class LivePickForm(Form):
    class Meta:
        csrf = False  # a GET form: it only chooses what to show

    trainee = SelectField(_l("Trainee"), coerce=_id_or_zero, validators=[InputRequired()])
    scenario = SelectField(_l("Scenario"), coerce=_id_or_zero, validators=[InputRequired()])
    submit = SubmitField(_l("Open the rubric"))


class RubricForm(Form):
    """Levels and comments per criterion, plus overall feedback; subclassed per scenario."""

    criteria: list[Criterion] = []
    gate_checks: list[Criterion] = []  # unscored gates: a required "no breach / breach" each

    def level_field(self, criterion: Criterion):
        return self[f"level_{criterion.id}"]

    def gate_field(self, criterion: Criterion):
        return self[f"gate_{criterion.id}"]

    def comment_field(self, criterion: Criterion):
        return self[f"comment_{criterion.id}"]

    def scores(self) -> Scores:
        return Scores(
            levels={c.id: int(self.level_field(c).data) for c in self.criteria},
            comments={c.id: self.comment_field(c).data or "" for c in self.criteria},
            feedback=self.feedback.data or "",
            gates={c.id: self.gate_field(c).data for c in self.gate_checks},
        )


def rubric_form(criteria: list[Criterion], *, gate_checks: list[Criterion] = (), submit_label=None,
                with_reason: bool = False, with_feedback: bool = True, prefix: str = "", **kwargs) -> RubricForm:
    attrs: dict = {"criteria": criteria, "gate_checks": list(gate_checks)}
    for check in gate_checks:
        attrs[f"gate_{check.id}"] = RadioField(
            check.title,
            choices=[SelectChoice(NO_BREACH, _l("No breach")), SelectChoice(BREACH, _l("Breach"))],
            validators=[InputRequired(message=_l("Mark this gate: no breach or breach."))],
        )
    for criterion in criteria:
        attrs[f"level_{criterion.id}"] = RadioField(
            criterion.title,
            choices=[SelectChoice(str(level), str(level)) for level in LEVELS],
            validators=[InputRequired(message=_l("Choose a level for this criterion."))],
        )
        attrs[f"comment_{criterion.id}"] = TextAreaField(
            _l("Comment (optional)"), validators=[Optional(), Length(max=2000)]
        )
    attrs["feedback"] = TextAreaField(
        _l("Overall feedback for the trainee") if with_feedback else _l("Notes (optional)"),
        validators=[Optional(), Length(max=5000)],
    )
    if with_reason:
        attrs["reason"] = TextAreaField(
            _l("Reason for the correction"),
            description=_l("Kept in the audit log with the previous and the new grade."),
            validators=[DataRequired(message=_l("Say why the grade is being corrected.")), Length(max=1000)],
        )
    attrs["submit"] = SubmitField(submit_label or _l("Save and release the grade"))
    form_class = type("ScenarioRubricForm", (RubricForm,), attrs)
    return form_class(prefix=prefix, **kwargs)
