"""Binding form fields from a prototype: what WTForms' Field.__init__ would make, for less.

A visit report binds about 160 fields on every request (one detainee's checks and flag details
are 100 of them), and WTForms runs each field's whole constructor each time: about a quarter
of the blank form's server time (issue 12). Fields of the simple kinds below come out of their
constructor the same every time but for their name, id, label, form and meta; so the first
binding of a field definition is kept as its prototype, and the next ones copy it and set
those, with their own copies of what a field may change (flags, render_kw, choices).

It is WTForms' own hook (Meta.bind_field), used by icv/forms.py's Form and FlaskForm.
tests/test_binding.py binds every field of every form in the app both ways and checks the two
fields are the same, so a WTForms release that changes a field's constructor fails the suite.
Form fields and field lists (which hold entries) and CSRF tokens are always bound by WTForms.
"""
from wtforms import (DateField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.core import Flags, Label

SIMPLE = (StringField, IntegerField, RadioField, SelectField, HiddenField, TextAreaField,
          DateField, TimeField)
# Kept on the unbound field itself, under this name: (class, prototype state), or None for a
# field WTForms binds; so it goes when the definition goes (a CSRF token's, made per form).
KEPT = "_icv_prototype"


def copyable(unbound):
    kind = unbound.field_class
    return (issubclass(kind, SIMPLE) and not issubclass(kind, CSRFTokenField)
            and "id" not in unbound.kwargs)


def bind_field(form, unbound, options):
    """The field `unbound` bound to `form` with `options` (name, prefix, translations)."""
    found = getattr(unbound, KEPT, False)
    if found is False:
        field = unbound.bind(form=form, **options)
        setattr(unbound, KEPT, (type(field), dict(vars(field))) if copyable(unbound) else None)
        return field
    if found is None:
        return unbound.bind(form=form, **options)
    kind, state = found
    field = object.__new__(kind)
    own = field.__dict__
    own.update(state)
    name = options.get("prefix", "") + options["name"]
    own["name"] = own["id"] = name
    own["short_name"] = options["name"]
    label = state["label"]  # a radio field's label is for no one input: its field_id is False
    own["label"] = Label(name if label.field_id == state["id"] else label.field_id, label.text)
    own["_form"], own["meta"] = form, form.meta
    if options.get("translations") is not None:
        own["_translations"] = options["translations"]
    else:
        own.pop("_translations", None)
    flags = own["flags"] = Flags()
    vars(flags).update(vars(state["flags"]))
    if state.get("render_kw") is not None:
        own["render_kw"] = dict(state["render_kw"])
    if state.get("_choices") is not None:
        own["_choices"] = list(state["_choices"])
    return field
