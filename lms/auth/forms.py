from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from lms.auth.passwords import is_too_weak, personal_hints
from lms.forms import Form

MIN_PASSWORD_LENGTH = 10


class HardToGuess:
    """Refuse a password that zxcvbn finds easy to guess, with the person's name and e-mail as hints.

    The hints come from the form's `name` and `email` fields when it has them, and from
    `form.password_hints` (a list the view sets: the signed-in person's or the invitation's details).
    """

    message = _l("This password is too easy to guess. Use a longer phrase of several unrelated words, "
                 "and leave out your name, your e-mail address and common words or sequences.")

    def __call__(self, form, field):
        password = field.data or ""
        if len(password) < MIN_PASSWORD_LENGTH:
            return  # the length rule has already said what is wrong
        texts = [getattr(getattr(form, name, None), "data", None) for name in ("name", "email")]
        texts += list(getattr(form, "password_hints", ()))
        if is_too_weak(password, personal_hints(*(t for t in texts if isinstance(t, str)))):
            raise ValidationError(self.message)


PASSWORD_HELP = _l("At least 10 characters and hard to guess: a phrase of several unrelated words works well.")
PASSWORD_RULES = [DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("Use at least 10 characters.")),
                  HardToGuess()]


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Log in"))


class RegisterForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("As it should appear on your certificate."))
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=PASSWORD_RULES, description=PASSWORD_HELP)
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    invite_code = StringField(_l("Invitation code"), validators=[Length(max=40)],
                              description=_l("From your organization, if it gave you one."))
    submit = SubmitField(_l("Create account"))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES, description=PASSWORD_HELP)
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    submit = SubmitField(_l("Change password"))


class ResetRequestForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES, description=PASSWORD_HELP)
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    submit = SubmitField(_l("Set new password"))


class LogoutForm(Form):
    submit = SubmitField(_l("Log out"))
