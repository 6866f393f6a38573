"""What two reviewers of one draft typed differently: each answer in words, for the page that
shows a save refused because the partner saved first."""
from werkzeug.datastructures import MultiDict

from .. import flags

BASE = "base_revision"  # the draft revision a posted page was based on (never stored)


def field_labels(*forms):
    """{field name: (label, {value: option label})} of every box on the forms, the label
    saying which detention review or flag it belongs to."""
    legends, found = {f"{f.kind}_answers": f.legend for f in flags.FLAGS}, {}

    def walk(fields, prefix=""):
        for f in fields:
            if f.type == "FormField":
                walk(f.form, f"{legends[f.short_name]}: " if f.short_name in legends else prefix)
            elif f.type == "FieldList":
                for i, entry in enumerate(f.entries):
                    walk(entry.form, f"Detention review {i + 1}: ")
            elif f.name not in found:
                choices = {str(c[0]): c[1] for c in f.iter_choices()} if hasattr(f, "iter_choices") else {}
                found[f.name] = (prefix + f.label.text, choices)
    for form in forms:
        walk(form)
    return found


def differences(labels, mine, theirs):
    """(label, what I typed, what the saved draft holds) of each answer that differs."""
    mine, theirs, rows = MultiDict(mine), MultiDict(theirs), []
    for name in dict.fromkeys([*mine.keys(), *theirs.keys()]):
        if name in ("client_id", BASE):
            continue
        a, b = ([v for v in d.getlist(name) if v.strip()] for d in (mine, theirs))
        if sorted(a) != sorted(b):
            label, choices = labels.get(name, (name, {}))
            rows.append((label, *(", ".join(choices.get(v, v) for v in x) or "Blank" for x in (a, b))))
    return rows
