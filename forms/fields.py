"""Fields shared by our forms."""
from wtforms import DateField
from wtforms.widgets import TextInput

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class VnDateField(DateField):
    """A date typed and shown as dd/mm/yyyy whatever the browser's locale (ISO accepted too).

    WTForms' DateField renders <input type="date">, which shows the browser's
    locale (mm/dd/yyyy on an English system) and cannot hold a dd/mm/yyyy value.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, format=None, **kwargs):  # noqa: A002
        render_kw = {"placeholder": "dd/mm/yyyy", "autocomplete": "off", "inputmode": "numeric",
                     **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, format=format or DATE_FORMATS, render_kw=render_kw, **kwargs)
