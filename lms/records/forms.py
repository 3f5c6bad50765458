from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class ExportForm(FlaskForm):
    submit = SubmitField(_l("Download my data (ZIP)"))
