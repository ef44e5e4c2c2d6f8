"""The base of our WTForms forms: Flask-WTF's CSRF, Vietnamese messages, text in NFC."""
from flask_wtf import FlaskForm

from forms.i18n import VietnameseMeta
from forms.unicode import NfcMeta


class VnForm(FlaskForm):
    class Meta(NfcMeta, VietnameseMeta):
        pass
