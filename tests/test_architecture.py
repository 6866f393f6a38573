"""The shape of icv/, read from its source: every table has one module that writes its SQL, there
are no import cycles, package __init__ files hold a docstring only, and only modules that serve
requests read Flask's request state."""
import ast
import re
from pathlib import Path

ICV = Path(__file__).resolve().parent.parent / "icv"

# Who owns each table: a module, or a package (ending in "/": any module in it). Only the owner
# writes SQL naming the table (FROM, JOIN, INTO, UPDATE, db["t"], db.table("t")); others call it.
OWNERS = {
    "users": "icv/people.py",
    "suites": "icv/suites.py",
    "panels": "icv/suites.py",
    "panel_suites": "icv/suites.py",
    "escalations": "icv/escalations/",
    "escalation_events": "icv/escalations/",
    "monthly_rule_runs": "icv/escalations/monthly.py",
    "visits": "icv/visits/",
    "detainee_entries": "icv/visits/",
    "flags": "icv/visits/",
    "facility_checks": "icv/visits/",
    "visit_issues": "icv/visits/",
    "visit_versions": "icv/visits/",
    "custody_record_reviews": "icv/reviews/",
    "review_batches": "icv/reviews/",
    "review_records": "icv/reviews/",
    "review_assignments": "icv/reviews/",
    "audit_log": "icv/audit.py",
    "audit_checkpoints": "icv/audit.py",
    "two_factor": "icv/accounts/twofactor.py",
    "recovery_codes": "icv/accounts/twofactor.py",
    "user_panels": "icv/people.py",
    "account_links": "icv/accounts/links.py",
    "sessions": "icv/accounts/sessions.py",
    "sign_in_throttle": "icv/accounts/throttle.py",
}
# The drafts of both forms: kept apart so a shared drafts module can take them over in one edit.
DRAFT_OWNERS = {
    "drafts": "icv/drafts/",
}
OWNERS.update(DRAFT_OWNERS)

# Read any table: reporting, the schema itself, the demo loaders and the backup (which counts
# the main tables of its copy back to whoever ran it).
MAY_READ_ANY = {"icv/migrations.py", "icv/demo.py", "icv/backup.py"}
MAY_READ_ANY_UNDER = ("icv/summaries/",)  # reporting: the one package that joins every table
MAY_READ_ANY_NAMED = {"demo.py"}  # icv/*/demo.py: each package's demo data

SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+([A-Za-z_][A-Za-z0-9_]*)")

# Import cycles tolerated for now: none. Add one only with a reason; the test names any cycle.
ALLOWED_CYCLES = []

# Names that are Flask's (or Flask-Login's) state of the request or app being served.
FLASK_STATE = {"current_app", "request", "session", "g", "has_app_context", "has_request_context",
               "current_user"}
# Modules that serve requests without a route of their own: the factory, and the per-request
# database connection. The demo loader is a `flask` command that refuses to run in production.
MAY_READ_FLASK_STATE = {"icv/__init__.py", "icv/db.py", "icv/demo.py"}


def modules():
    """{"icv/x.py": ast tree} of every module in the package."""
    return {str(p.relative_to(ICV.parent)): ast.parse(p.read_text(), filename=str(p))
            for p in sorted(ICV.rglob("*.py"))}


def owns(owner, path):
    return path.startswith(owner) if owner.endswith("/") else path == owner


def may_read_any(path):
    return (path in MAY_READ_ANY or path.startswith(MAY_READ_ANY_UNDER)
            or (path.startswith("icv/") and Path(path).name in MAY_READ_ANY_NAMED))


def table_references(tree):
    """(line, table) for every table named in SQL text or as db["table"] / db.table("table")."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in SQL_TABLE.finditer(node.value):
                line = node.lineno  # a triple-quoted string: the line of the match in it
                if node.end_lineno > node.lineno:
                    line += node.value.count("\n", 0, match.start())
                found.append((line, match.group(1)))
        elif (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
              and isinstance(node.slice.value, str) and is_db(node.value)):
            found.append((node.lineno, node.slice.value))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "table" and is_db(node.func.value) and node.args
              and isinstance(node.args[0], ast.Constant)):
            found.append((node.lineno, node.args[0].value))
    return found


def is_db(node):
    """A database connection by its usual names: db, conn, get_db()."""
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Name) and node.id in ("db", "conn", "get_db")


def test_every_table_has_an_owner(db):
    tables = {r["name"] for r in db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != '_sqlite_migrations'")}
    assert sorted(tables - set(OWNERS)) == [], "add these tables to OWNERS in this test"
    assert sorted(set(OWNERS) - tables) == [], "these tables in OWNERS no longer exist"


def test_only_the_owner_of_a_table_writes_sql_for_it():
    wrong = []
    for path, tree in modules().items():
        if may_read_any(path):
            continue
        for line, table in table_references(tree):
            owner = OWNERS.get(table)
            if owner and not owns(owner, path):
                wrong.append(f"{path}:{line} queries {table} (owned by {owner})")
    assert wrong == [], "\n".join(["Call the owner of the table instead:", *wrong])


def test_the_table_scan_finds_sql_and_sqlite_utils_references():
    """The scan above would pass on a scan that finds nothing: check it finds every form."""
    tree = ast.parse('db.query("SELECT u.id FROM users u\\n JOIN suites s ON 1")\n'
                     'db["visits"].insert({})\ndb.table("flags")\n'
                     'db.execute("DELETE FROM drafts; INSERT INTO audit_log VALUES (1)")\n'
                     'db.execute(f"UPDATE escalations SET {x} = 1")\n'
                     'row["visits"]\nflash("Pick one from the list")\n')
    assert sorted(table_references(tree)) == [
        (1, "suites"), (1, "users"), (2, "visits"), (3, "flags"), (4, "audit_log"), (4, "drafts"),
        (5, "escalations")]


def module_name(path):
    parts = list(Path(path).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path, tree, known):
    """The icv modules `path` imports, anywhere in it (inside functions too)."""
    name = module_name(path)
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in known:
                    found.add(f"{source}.{alias.name}")
                elif source in known:
                    found.add(source)
    found.discard(name)
    return found


def import_graph():
    trees = modules()
    known = {module_name(p) for p in trees}
    return {module_name(p): imports(p, tree, known) for p, tree in trees.items()}


def cycles(graph):
    """Each cycle once, as the list of modules around it, from its smallest name."""
    found, seen = [], set()

    def visit(node, path):
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt):]
                first = cycle.index(min(cycle))
                cycle = cycle[first:] + cycle[:first]
                if tuple(cycle) not in seen:
                    seen.add(tuple(cycle))
                    found.append(cycle)
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(node)

    done = set()
    for node in sorted(graph):
        if node not in done:
            visit(node, [node])
    return found


def test_no_import_cycles():
    graph = import_graph()
    found = [c for c in cycles(graph) if c not in ALLOWED_CYCLES]
    assert found == [], "\n".join(["Import cycles (imports inside functions count too):",
                                   *(" -> ".join(c + c[:1]) for c in found)])


def test_the_cycle_check_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert cycles(graph) == [["a", "b", "c"], ["e", "e2"]]


def test_package_init_files_hold_a_docstring_only():
    """A package is imported whenever any module in it is: an __init__ that imports its views
    drags Flask into the rules and makes cycles."""
    busy = []
    for path, tree in modules().items():
        if not path.endswith("/__init__.py") or path == "icv/__init__.py":
            continue  # icv/__init__.py is the app factory
        if module_name(path) in {m for c in ALLOWED_CYCLES for m in c}:
            continue
        body = tree.body[1:] if tree.body and isinstance(tree.body[0], ast.Expr) else tree.body
        if body:
            busy.append(f"{path}:{body[0].lineno}")
    assert busy == [], "Move this code into a module of the package: " + ", ".join(busy)


def serves_requests(tree):
    """True for a module with routes or a blueprint of its own (a views module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint":
            return True
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("route", "add_url_rule"):
            return True  # routes registered by a function (icv/drafts/routes.py registers each kind's)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                if isinstance(target, ast.Attribute) and target.attr == "route":
                    return True
    return False


def test_only_views_read_flask_state():
    """Stores, rules, queries and workflow take what they need as arguments."""
    wrong = []
    for path, tree in modules().items():
        if path in MAY_READ_FLASK_STATE or serves_requests(tree):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
                names = sorted(a.name for a in node.names if a.name in FLASK_STATE)
                if names:
                    wrong.append(f"{path}:{node.lineno} imports {', '.join(names)}")
    assert wrong == [], "\n".join(["Pass these in from the view instead:", *wrong])
