from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from lms.forms import Form
from lms.i18n.selection import LANGUAGES


class DefaultLanguageForm(Form):
    language = SelectField(
        _l("Default language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        description=_l("For the organization's people who have chosen no language and whose browser asks for none "
                       "PeerCert offers. Each person can choose their own in the page footer."),
    )
    submit = SubmitField(_l("Save"))
