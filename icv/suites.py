"""Custody suites and panels: the `suites`, `panels` and `panel_suites` tables. The only module
that writes SQL for them; others call these.

A suite's status is '24_7' (open round the clock), 'contingency' (opened when needed) or
'closed'. A closed suite is never deleted: it drops off the visit form and keeps its reports.
The pages (icv/scheme.py) give each suite one panel; panel_suites could hold more, and moving
a suite to a panel replaces whatever it had."""
from .lookup import by_id
from .times import now_iso

STATUSES = [("24_7", "Open 24/7"), ("contingency", "Contingency"), ("closed", "Closed")]
NAME_MAX = 100


def visitable(db):
    """(id, name) of suites that can be visited (not closed), by name."""
    return [(r["id"], r["name"]) for r in db.query(
        "SELECT id, name FROM suites WHERE status != 'closed' ORDER BY name")]


def all_suites(db):
    """(id, name) of every suite, by name."""
    return [(r["id"], r["name"]) for r in db.query("SELECT id, name FROM suites ORDER BY name")]


def names(db, ids):
    """{id: name} of these suites; ids may repeat."""
    return by_id(db, "SELECT id, name AS value FROM suites", ids)


def name(db, suite_id):
    """The name of one suite."""
    return names(db, [suite_id])[suite_id]


def panel_names(db, ids):
    """{id: name} of these panels; ids may repeat or be None."""
    return by_id(db, "SELECT id, name AS value FROM panels", ids)


def in_panel(db, panel_id):
    """The ids of the suites a panel visits."""
    return [r["suite_id"] for r in db.query(
        "SELECT suite_id FROM panel_suites WHERE panel_id = ? ORDER BY suite_id", [panel_id])]


def all_panels(db):
    """(id, name) of every panel, by name."""
    return [(r["id"], r["name"]) for r in db.query("SELECT id, name FROM panels ORDER BY name")]


# The suites and panels pages ---------------------------------------------------------------

def suite_list(db):
    """Every suite (closed ones last) with its status and its panel (panel_id, panel_name)."""
    return list(db.query("""
        SELECT s.id, s.name, s.status, s.bcu, p.id AS panel_id, p.name AS panel_name
        FROM suites s LEFT JOIN panel_suites ps ON ps.suite_id = s.id
          AND ps.panel_id = (SELECT min(panel_id) FROM panel_suites WHERE suite_id = s.id)
        LEFT JOIN panels p ON p.id = ps.panel_id
        ORDER BY s.status = 'closed', s.name"""))


def get_suite(db, suite_id):
    """One suite with its panel_id (None if no panel visits it), or None."""
    rows = [r for r in suite_list(db) if r["id"] == suite_id]
    return rows[0] if rows else None


def panel_list(db):
    """Every panel with the names of the suites it visits (suite_names, a list)."""
    panels = list(db.query("SELECT id, name, bcu FROM panels ORDER BY name"))
    visits = {}
    for r in db.query("""
            SELECT ps.panel_id, s.name FROM panel_suites ps JOIN suites s ON s.id = ps.suite_id
            ORDER BY s.name"""):
        visits.setdefault(r["panel_id"], []).append(r["name"])
    return [{**p, "suite_names": visits.get(p["id"], [])} for p in panels]


def get_panel(db, panel_id):
    """One panel, or None."""
    rows = list(db.query("SELECT id, name, bcu FROM panels WHERE id = ?", [panel_id]))
    return rows[0] if rows else None


def suite_name_taken(db, name, leaving_out=None):
    """True if another suite has this name (any case, spaces at the ends ignored)."""
    return db.execute("SELECT 1 FROM suites WHERE lower(name) = lower(?) AND id != ?",
                      [name.strip(), leaving_out or 0]).fetchone() is not None


def panel_name_taken(db, name, leaving_out=None):
    """True if another panel has this name (any case, spaces at the ends ignored)."""
    return db.execute("SELECT 1 FROM panels WHERE lower(name) = lower(?) AND id != ?",
                      [name.strip(), leaving_out or 0]).fetchone() is not None


def add_suite(db, name, status, panel_id):
    """Insert a suite visited by `panel_id` (or by no panel: None); returns its id. Call it
    inside the transaction that logs it."""
    suite_id = db.execute("INSERT INTO suites (name, status, created_at) VALUES (?, ?, ?)",
                          [name.strip(), status, now_iso()]).lastrowid
    set_panel(db, suite_id, panel_id)
    return suite_id


def update_suite(db, suite_id, name, status, panel_id):
    """Rename a suite, set its status and move it to `panel_id` (None: no panel)."""
    db.execute("UPDATE suites SET name = ?, status = ? WHERE id = ?", [name.strip(), status, suite_id])
    set_panel(db, suite_id, panel_id)


def set_panel(db, suite_id, panel_id):
    """Make `panel_id` the one panel that visits the suite (None: no panel)."""
    db.execute("DELETE FROM panel_suites WHERE suite_id = ?", [suite_id])
    if panel_id is not None:
        db.execute("INSERT INTO panel_suites (panel_id, suite_id) VALUES (?, ?)", [panel_id, suite_id])


def add_panel(db, name):
    """Insert a panel; returns its id."""
    return db.execute("INSERT INTO panels (name, created_at) VALUES (?, ?)",
                      [name.strip(), now_iso()]).lastrowid


def rename_panel(db, panel_id, name):
    db.execute("UPDATE panels SET name = ? WHERE id = ?", [name.strip(), panel_id])
