from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lms.forms import Form


class SignatureForm(Form):
    agree = BooleanField(_l("I have read the code of ethics above and I agree to follow it."))
    typed_name = StringField(_l("Your full name"), validators=[
        DataRequired(_l("Type your full name to sign.")), Length(max=120)],
        description=_l("Typing your name is your signature. It must match the name on your account."))
    submit = SubmitField(_l("Sign the code of ethics"))
