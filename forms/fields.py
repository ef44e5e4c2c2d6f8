"""Fields shared by our forms."""
from __future__ import annotations

from datetime import date, datetime

from wtforms import DateField
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from adminapp.formatting import INVALID_DATE

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def parse_date(raw: str | None, formats=DATE_FORMATS) -> date | None:
    """A typed date as dd/mm/yyyy (or ISO yyyy-mm-dd from a browser), else None: "12/31/2021" and
    "31/02/2022" are not dates."""
    raw = (raw or "").strip()
    for fmt in formats:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


class DateInput(TextInput):
    """A text box with the date picker of static/dates.js (flatpickr, vendored): typing dd/mm/yyyy works."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("placeholder", "dd/mm/yyyy")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("data-app-date", "1")
        return super().__call__(field, **kwargs)


class VnDateField(DateField):
    """A date typed and shown as dd/mm/yyyy whatever the browser's locale (ISO accepted too).

    WTForms' DateField renders <input type="date">, which shows the browser's
    locale (mm/dd/yyyy on an English system) and cannot hold a dd/mm/yyyy value.
    A date that cannot be read says so (INVALID_DATE) instead of "Trường này là bắt buộc": DataRequired
    would otherwise replace the parse error with its own message.
    """

    widget = DateInput()

    def __init__(self, label=None, validators=None, format=None, **kwargs):  # noqa: A002
        render_kw = {"inputmode": "numeric", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, format=format or DATE_FORMATS, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = " ".join(valuelist).strip()
        if not raw:
            self.data = None
            return
        self.data = parse_date(raw, self.strptime_format)
        if self.data is None:
            raise ValueError(INVALID_DATE)

    def pre_validate(self, form):  # noqa: ARG002
        if self.process_errors:
            raise StopValidation()  # keep the parse error; skip DataRequired's "Trường này là bắt buộc"
