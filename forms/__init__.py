"""WTForms forms and fields. Every message a user reads is Vietnamese."""
