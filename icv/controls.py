"""Form controls (input, select, textarea) drawn as plain strings, the same HTML as WTForms'
widgets draw: icv/forms.py's Meta renders fields with draw(), and icv/pieces.py builds the
GOV.UK form pieces around them."""
from markupsafe import Markup, escape
from wtforms import SelectChoice
from wtforms.widgets import core as widgets


# Drawing fields as plain strings. WTForms' widgets build each attribute, and each option of a
# select, through Markup.format and dir() on the field's flags: most of a long form's render
# time. These draw the same HTML (attributes sorted by name, as html_params does) for the
# widgets the forms use, and leave any other widget, or a select with groups or per-option
# attributes, to WTForms.

def esc(value):
    """markupsafe.escape's text as a plain str, quicker for the many strings needing none."""
    kind = type(value)
    if kind is str:
        if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
            return str(escape(value))
        return value
    if kind is int:
        return str(value)
    return str(escape(value))


def attributes(kw):
    """html_params' output for cleaned keys: name="escaped value", True alone, False left out."""
    parts = []
    for key in sorted(kw):
        value = kw[key]
        if value is True:
            parts.append(key)
        elif value is not False:
            parts.append(f'{key}="{esc(value)}"')
    return " ".join(parts)


def _flags(widget, field, kw, call):
    """The field's validation flags the widget writes (required, maxlength, min...)."""
    flags = vars(field.flags)
    for key in widget.validation_attrs:
        if key in flags and key not in kw:
            value = flags[key]
            kw[key] = value() if call and callable(value) else value


def _input(widget, field, kw):
    if isinstance(widget, widgets.NumberInput):
        for key in ("step", "min", "max"):
            if getattr(widget, key) is not None:
                kw.setdefault(key, getattr(widget, key))
    if isinstance(widget, widgets._DateTimeBaseInput) and getattr(field, "format", None) is not None:
        form = field.format[0] if isinstance(field.format, list) else field.format
        for key in ("min", "max"):
            value = kw.get(key, getattr(field.flags, key, None))
            value = value() if callable(value) else value
            if hasattr(value, "strftime"):
                kw[key] = value.strftime(form)
    if isinstance(widget, widgets.PasswordInput) and widget.hide_value:
        kw["value"] = ""
    if getattr(field, "_datalist", None) is not None:
        return None
    kw.setdefault("id", field.id)
    kw.setdefault("type", widget.input_type)
    if "value" not in kw:
        kw["value"] = field._value()
    _flags(widget, field, kw, call=True)
    kw["name"] = field.name
    return Markup(f"<input {attributes(kw)}>")


def _textarea(widget, field, kw):
    kw.setdefault("id", field.id)
    _flags(widget, field, kw, call=False)
    kw["name"] = field.name
    return Markup(f"<textarea {attributes(kw)}>\r\n{escape(field._value())}</textarea>")


def _select(widget, field, kw):
    """From the field's own choices (not iter_choices, which makes an object per option)."""
    if widget.multiple or field.has_groups():
        return None
    coerce, data, options = field.coerce, field.data, []
    for choice in field.choices or ():
        if type(choice) is not SelectChoice or choice.render_kw:
            return None
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if coerce(choice.value) == data else ""
        options.append(f'<option {selected}value="{esc(value)}">{esc(choice.label or value)}</option>')
    kw.setdefault("id", field.id)
    _flags(widget, field, kw, call=False)
    kw["name"] = field.name
    return Markup(f"<select {attributes(kw)}>{''.join(options)}</select>")


_DRAWN = {}  # widget class -> its drawing function (None: WTForms draws it)


def _drawer(kind):
    if kind not in _DRAWN:
        call = kind.__call__
        _DRAWN[kind] = (
            _input if call in (widgets.Input.__call__, widgets.NumberInput.__call__,
                               widgets.PasswordInput.__call__, widgets._DateTimeBaseInput.__call__) and issubclass(kind, widgets.Input)
            else _textarea if kind is widgets.TextArea
            else _select if kind is widgets.Select
            else None)
    return _DRAWN[kind]


def draw(field, kw):
    """The field's control with the attributes `kw` (HTML names, as `class`), over those of
    its render_kw: drawn above, or by its widget when it is not one of those."""
    if field.render_kw:
        kw = dict({widgets.clean_key(k): v for k, v in field.render_kw.items()}, **kw)
    drawer = _drawer(type(field.widget))
    html = drawer(field.widget, field, kw) if drawer is not None else None
    return html if html is not None else field.widget(field, **kw)
