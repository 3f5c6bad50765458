from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from lms.forms import Form


class ExportForm(Form):
    submit = SubmitField(_l("Download my data (ZIP)"))
