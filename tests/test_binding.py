"""icv/binding.py binds fields from a prototype: every field of every form in the app must come
out the same as WTForms' own constructor makes it, so a page draws, reads and checks it the
same (and a WTForms release that changes its fields fails here, not on a volunteer's phone)."""
import importlib
import pkgutil

import pytest
from wtforms.fields.core import UnboundField
from wtforms.meta import DefaultMeta

import icv
from icv import binding, forms


def all_form_classes():
    for module in pkgutil.walk_packages(icv.__path__, "icv."):
        importlib.import_module(module.name)
    found, todo = [], [forms.Form, forms.FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def unbound_fields():
    seen = {}
    for cls in all_form_classes():
        for name in dir(cls):
            value = getattr(cls, name, None)
            if isinstance(value, UnboundField):
                seen[id(value)] = (f"{cls.__module__}.{cls.__name__}.{name}", name, value)
    return sorted(seen.values(), key=lambda found: found[0])


FIELDS = unbound_fields()


class Holder:
    """What a field keeps of its form: the form itself and its meta."""

    def __init__(self):
        self.meta = DefaultMeta()


def comparable(field, holder):
    state = {}
    for key, value in vars(field).items():
        if key in ("_form", "meta"):
            assert value is (holder if key == "_form" else holder.meta), key
        elif key == "label":
            state[key] = (value.field_id, value.text)
        elif key == "flags":
            state[key] = dict(vars(value))
        else:
            state[key] = value
    return state


def test_the_forms_have_many_fields_bound_from_prototypes():
    copied = [name for name, _, unbound in FIELDS if binding.copyable(unbound)]
    assert len(copied) > 150  # the visit report's checks, flags, counts and facilities among them
    assert any(name.endswith("DetaineeForm.age_band") for name in copied)


@pytest.mark.parametrize("where,name,unbound", FIELDS, ids=[f[0] for f in FIELDS])
def test_a_field_bound_from_its_prototype_is_the_one_wtforms_makes(where, name, unbound):
    for prefix in ("", "detainees-3-strip_search_answers-"):
        expected_holder, holder = Holder(), Holder()
        options = {"name": name, "prefix": prefix, "translations": None}
        expected = unbound.bind(form=expected_holder, **options)
        binding.bind_field(Holder(), unbound, dict(options))  # the first keeps the prototype
        field = binding.bind_field(holder, unbound, dict(options))
        assert type(field) is type(expected)
        assert comparable(field, holder) == comparable(expected, expected_holder)


def test_what_one_field_changes_is_not_shared_with_the_next():
    name, _, unbound = next(f for f in FIELDS if f[0].endswith("DetaineeForm.age_band"))
    options = {"name": "age_band", "prefix": "detainees-0-", "translations": None}
    first = binding.bind_field(Holder(), unbound, dict(options))
    first.flags.required = True
    first.choices.append(("x", "Tampered"))
    if first.render_kw is not None:
        first.render_kw["data-x"] = "1"
    second = binding.bind_field(Holder(), unbound, dict(options))
    assert not getattr(second.flags, "required", False)
    assert ("x", "Tampered") not in second.choices
    assert not (second.render_kw or {}).get("data-x")
