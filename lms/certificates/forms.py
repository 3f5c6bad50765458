from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import Form


class VerifyNumberForm(Form):
    class Meta:
        csrf = False  # a GET form: the number ends up in a shareable URL

    number = StringField(
        _l("Certificate number"),
        validators=[DataRequired(message=_l("Enter the number printed on the certificate.")), Length(max=80)],
        description=_l("For example PSS-7K3M-9QXD-4HTR-6. Capitals, spaces and dashes do not matter."),
    )
    submit = SubmitField(_l("Check number"))


class VerifyPdfForm(Form):
    pdf = FileField(
        _l("Certificate PDF"),
        validators=[FileRequired(_l("Choose the certificate's PDF file."))],
        description=_l("The PDF is checked here and not kept."),
    )
    submit = SubmitField(_l("Check this PDF"))


class VerifyCredentialForm(Form):
    credential = FileField(
        _l("Credential file"),
        validators=[FileRequired(_l("Choose the credential file (JSON, as a wallet exports it)."))],
        description=_l("The Open Badges credential from a digital wallet (.json) or its .jwt. It is not kept."),
    )
    submit = SubmitField(_l("Check this credential"))


class VerifyCsvForm(Form):
    csv = FileField(
        _l("CSV file of certificate numbers"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l("One number per row in the first column; a header row is fine. Up to 1,000 numbers."),
    )
    submit = SubmitField(_l("Check the numbers"))


class ConfirmNameForm(Form):
    submit = SubmitField(_l("Confirm and download"))


class CorrectNameForm(Form):
    name = StringField(
        _l("Name as it should appear"),
        validators=[DataRequired(message=_l("Enter your full name.")), Length(min=2, max=160)],
    )
    submit = SubmitField(_l("Correct the name and re-issue"))


class RevokeForm(Form):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[DataRequired(message=_l("Give the reason: it is kept in the audit log.")), Length(max=2000)],
        description=_l("Kept in the audit log. It is not shown on the public verification page."),
    )
    submit = SubmitField(_l("Revoke certificate"))


class ActionForm(Form):
    """A button that only needs the CSRF token."""

    submit = SubmitField(_l("Continue"))


class RegistrySearchForm(Form):
    class Meta:
        csrf = False  # a GET form

    q = StringField(
        _l("Name or certificate number"),
        validators=[DataRequired(message=_l("Type a name or a certificate number.")), Length(max=160)],
        description=_l("At least 3 letters of the name (its start, or the start of the surname), or the full number."),
    )
    submit = SubmitField(_l("Search the registry"))


class RegistryRuleForm(Form):
    required = BooleanField(
        _l("Our rules require every certificate of our trainees to be listed in the public registry"))
    reason = TextAreaField(
        _l("Which rule requires it, and why"),
        validators=[Length(max=2000)],
        description=_l("Trainees read this before they join. For example: “State contract 2026-14, section 5: "
                       "certified peer specialists we employ are listed for the Board of Behavioral Health.”"),
    )
    submit = SubmitField(_l("Save the registry rule"))
