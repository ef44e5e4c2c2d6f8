"""Text typed into any of our forms reaches validation and storage in NFC (see adminapp.text.nfc).

`NfcMeta` is mixed into the Meta of every form: our WTForms forms (forms.base.VnForm) and Flask-Admin's
model forms (views.base.AdminForm). It adds the NFC filter in front of every text field's own filters, so
`Length(max=1000)` counts the 1000 letters a user sees whether they were typed precomposed or decomposed.
Password fields are left byte for byte (a stored hash was made from what was typed).
"""
from wtforms.fields import PasswordField, StringField

from adminapp.text import nfc


def nfc_filter(value):
    return nfc(value)


class NfcMeta:
    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        if isinstance(field_class, type) and issubclass(field_class, StringField) \
                and not issubclass(field_class, PasswordField):
            filters = [nfc_filter, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)
        return super().bind_field(form, unbound_field, options)
