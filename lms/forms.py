"""The base of every form: each field's input is checked at the boundary, whatever the form.

Text fields lose control characters and lone surrogates (a text area keeps tab and line breaks), decimal
fields refuse NaN and infinities, integer fields refuse numbers no column can hold; each time the field is
marked with a message the person sees next to it, and the data the view reads is already safe. A JSON body
is never read as form data (JSON endpoints use `lms.inputs.read_json`).
"""

from decimal import Decimal

from flask import flash, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import DecimalField, IntegerField, StringField, TextAreaField

from lms.inputs import MAX_INT, TEXT_MESSAGE, clean_text, forbidden_characters

NUMBER_MESSAGE = _l("Enter a number, for example 1.5.")
INTEGER_MESSAGE = _l("This number is too large.")


def _text_filter(field, *, multiline: bool):
    def clean(value):
        if isinstance(value, str) and forbidden_characters(value, multiline=multiline):
            field.process_errors.append(TEXT_MESSAGE)
            return clean_text(value, multiline=multiline)
        return value

    return clean


def _decimal_filter(field):
    def finite(value):
        if isinstance(value, Decimal) and not value.is_finite():  # NaN, sNaN, Infinity
            field.process_errors.append(NUMBER_MESSAGE)
            # A quiet NaN: `DataRequired` keeps the message above (it would clear it for None), and
            # `NumberRange` refuses it instead of raising on a signalling NaN.
            return Decimal("NaN")
        return value

    return finite


def _integer_filter(field):
    def bounded(value):
        if isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
            field.process_errors.append(INTEGER_MESSAGE)
            return None
        return value

    return bounded


class Form(FlaskForm):
    class Meta:
        def wrap_formdata(self, form, formdata):
            # Our forms are posted as forms. Flask-WTF would read a JSON body as form data (unbounded in
            # depth, and a list is a 500): a JSON body here is simply no form data.
            if formdata is _Auto and request.is_json:
                return None
            return super().wrap_formdata(form, formdata)

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField):  # also TextAreaField, EmailField, PasswordField, HiddenField
                check = _text_filter(field, multiline=isinstance(field, TextAreaField))
            elif isinstance(field, DecimalField):
                check = _decimal_filter(field)
            elif isinstance(field, IntegerField):
                check = _integer_filter(field)
            else:
                return field
            field.filters = (check, *field.filters)
            return field


def show_refusal(form, error, default_field: str | None = None) -> None:
    """The one way a view reports a refused action: next to the field it concerns, else as a flash.

    `error` is a `lms.errors.DomainError`; its `field` names the form field when the rule knows it,
    `default_field` is the field the view would point at otherwise.
    """
    name = error.field or default_field
    field = getattr(form, name, None) if (form is not None and name) else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
