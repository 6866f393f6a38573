"""The schema, as numbered append-only migrations.

Never edit a migration that has been applied: add a new one. This file imports only
sqlite_utils, because `sqlite-utils migrate instance/icv.sqlite icv/migrations.py --list`
loads it on its own.

Times are UTC ISO-8601 text ("2026-11-22T09:30:00Z"), so text order is time order and a
London month is a range query on an index.
"""
from sqlite_utils import Migrations

migrations = Migrations("icv")

NOW = "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"


@migrations(transactional=False)  # journal mode cannot change inside a transaction
def m001_wal(db):
    db.enable_wal()


@migrations()
def m002_reference_data(db):
    db.executescript(f"""
    CREATE TABLE panels (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      bcu TEXT NOT NULL DEFAULT '',
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
      created_at TEXT NOT NULL DEFAULT {NOW}
    );
    CREATE TABLE suites (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      agency TEXT NOT NULL DEFAULT 'MPS' CHECK (agency IN ('MPS', 'BTP', 'UKBF')),
      status TEXT NOT NULL DEFAULT '24_7' CHECK (status IN ('24_7', 'contingency', 'closed')),
      bcu TEXT NOT NULL DEFAULT '',
      cell_count INTEGER CHECK (cell_count >= 0),
      created_at TEXT NOT NULL DEFAULT {NOW}
    );
    CREATE TABLE panel_suites (
      panel_id INTEGER NOT NULL REFERENCES panels(id),
      suite_id INTEGER NOT NULL REFERENCES suites(id),
      PRIMARY KEY (panel_id, suite_id)
    );
    CREATE INDEX panel_suites_suite ON panel_suites(suite_id);
    """)


@migrations()
def m003_users(db):
    db.executescript(f"""
    CREATE TABLE users (
      id INTEGER PRIMARY KEY,
      email TEXT NOT NULL UNIQUE COLLATE NOCASE,
      display_name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('icv', 'custody_team', 'coordinator', 'admin')),
      panel_id INTEGER REFERENCES panels(id),
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
      created_at TEXT NOT NULL DEFAULT {NOW},
      updated_at TEXT NOT NULL DEFAULT {NOW}
    );
    CREATE INDEX users_role ON users(role, active);
    """)


@migrations()
def m004_visits(db):
    # client_id is made by the form (or the phone) before the first submit, so a double
    # tap or a retry finds the report already saved instead of creating a second one.
    db.executescript(f"""
    CREATE TABLE visits (
      id INTEGER PRIMARY KEY,
      client_id TEXT NOT NULL UNIQUE,
      suite_id INTEGER NOT NULL REFERENCES suites(id),
      created_by INTEGER NOT NULL REFERENCES users(id),
      partner_id INTEGER REFERENCES users(id),
      arrived_at TEXT NOT NULL,
      departed_at TEXT NOT NULL,
      in_custody INTEGER NOT NULL CHECK (in_custody >= 0),
      spoke_with INTEGER NOT NULL CHECK (spoke_with >= 0 AND spoke_with <= in_custody),
      status TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('draft', 'submitted')),
      submitted_at TEXT,
      created_at TEXT NOT NULL DEFAULT {NOW},
      updated_at TEXT NOT NULL DEFAULT {NOW},
      CHECK (departed_at >= arrived_at),
      CHECK (partner_id IS NULL OR partner_id != created_by)
    );
    CREATE INDEX visits_arrived ON visits(arrived_at);
    CREATE INDEX visits_created_by ON visits(created_by, arrived_at);
    CREATE INDEX visits_partner ON visits(partner_id, arrived_at);
    CREATE INDEX visits_suite ON visits(suite_id, arrived_at);

    -- Detainees are identified by custody record number only: never a name, date of
    -- birth or offence.
    CREATE TABLE detainee_entries (
      id INTEGER PRIMARY KEY,
      visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      custody_record_no TEXT NOT NULL,
      age_band TEXT NOT NULL,
      gender TEXT NOT NULL,
      ethnicity TEXT NOT NULL,
      UNIQUE (visit_id, custody_record_no),
      UNIQUE (visit_id, position)
    );

    -- One row per flag raised on an entry; its structured answers are JSON whose shape
    -- lives in icv/flags.py, shared with custody record reviews.
    CREATE TABLE flags (
      id INTEGER PRIMARY KEY,
      detainee_entry_id INTEGER NOT NULL REFERENCES detainee_entries(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('strip_search', 'intimate_search', 'use_of_force', 'child')),
      answers TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(answers)),
      UNIQUE (detainee_entry_id, kind)
    );
    CREATE INDEX flags_kind ON flags(kind);
    """)


@migrations()
def m005_escalations(db):
    # priority_rank (0 = critical) orders the queue; closed_at is set exactly when the
    # status becomes resolved or no_further_action, so open work is `closed_at IS NULL`
    # and the partial index serves the queue.
    db.executescript(f"""
    CREATE TABLE escalations (
      id INTEGER PRIMARY KEY,
      visit_id INTEGER NOT NULL REFERENCES visits(id),
      detainee_entry_id INTEGER REFERENCES detainee_entries(id),
      rule_id TEXT NOT NULL,
      title TEXT NOT NULL,
      priority TEXT NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
      priority_rank INTEGER NOT NULL CHECK (priority_rank BETWEEN 0 AND 3),
      status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'triaged',
        'raised_with_police', 'awaiting_response', 'resolved', 'no_further_action')),
      assigned_to INTEGER REFERENCES users(id),
      version INTEGER NOT NULL DEFAULT 1,
      created_at TEXT NOT NULL DEFAULT {NOW},
      updated_at TEXT NOT NULL DEFAULT {NOW},
      closed_at TEXT,
      CHECK ((closed_at IS NULL) = (status NOT IN ('resolved', 'no_further_action')))
    );
    CREATE UNIQUE INDEX escalations_finding_rule
      ON escalations(visit_id, coalesce(detainee_entry_id, 0), rule_id);
    CREATE INDEX escalations_queue ON escalations(priority_rank, created_at) WHERE closed_at IS NULL;
    CREATE INDEX escalations_status ON escalations(status, created_at);
    CREATE INDEX escalations_assigned ON escalations(assigned_to, priority_rank, created_at);
    """)


@migrations(transactional=False)  # foreign_keys can only be switched outside a transaction
def m006_full_visit_report(db):
    """The full visit report (issue 3): header and counts on visits, detainee entries with a
    stable key (so corrections keep escalations attached), checks, facilities, issues,
    not-seen reasons, drafts and versions.

    detainee_entries is rebuilt by SQLite's documented procedure (foreign keys off, copy,
    drop, rename, foreign_key_check) to drop UNIQUE(visit_id, position) and
    UNIQUE(visit_id, custody_record_no), which a corrected report can reorder or reuse.
    """
    was_on = next(db.query("PRAGMA foreign_keys"))["foreign_keys"]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            db.executescript(f"""
            CREATE TABLE detainee_entries_new (
              id INTEGER PRIMARY KEY,
              visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
              entry_key TEXT NOT NULL,
              position INTEGER NOT NULL,
              custody_record_no TEXT NOT NULL,
              age_band TEXT NOT NULL,
              appears_under_18 TEXT,
              gender TEXT NOT NULL,
              ethnicity TEXT NOT NULL,
              consent TEXT,
              checks TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(checks)),
              removed_at TEXT,
              UNIQUE (visit_id, entry_key)
            );
            INSERT INTO detainee_entries_new (id, visit_id, entry_key, position, custody_record_no,
              age_band, gender, ethnicity)
              SELECT id, visit_id, lower(hex(randomblob(16))), position, custody_record_no, age_band,
                gender, ethnicity FROM detainee_entries;
            DROP TABLE detainee_entries;
            ALTER TABLE detainee_entries_new RENAME TO detainee_entries;
            CREATE INDEX detainee_entries_visit ON detainee_entries(visit_id, position);

            ALTER TABLE visits ADD COLUMN visit_type TEXT NOT NULL DEFAULT 'routine';
            ALTER TABLE visits ADD COLUMN admitted_at TEXT;
            ALTER TABLE visits ADD COLUMN admission_delay_reason TEXT NOT NULL DEFAULT '';
            ALTER TABLE visits ADD COLUMN single_visitor_reason TEXT NOT NULL DEFAULT '';
            ALTER TABLE visits ADD COLUMN custody_officer TEXT NOT NULL DEFAULT '';
            ALTER TABLE visits ADD COLUMN counts TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(counts));
            ALTER TABLE visits ADD COLUMN good_practice TEXT NOT NULL DEFAULT '';
            ALTER TABLE visits ADD COLUMN general_comments TEXT NOT NULL DEFAULT '';
            ALTER TABLE visits ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

            CREATE TABLE facility_checks (
              visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
              item TEXT NOT NULL,
              status TEXT NOT NULL CHECK (status IN ('ok', 'concern', 'not_checked')),
              note TEXT NOT NULL DEFAULT '',
              PRIMARY KEY (visit_id, item)
            );
            CREATE TABLE visit_issues (
              id INTEGER PRIMARY KEY,
              visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
              position INTEGER NOT NULL,
              category TEXT NOT NULL,
              description TEXT NOT NULL,
              raised_with TEXT NOT NULL DEFAULT '',
              resolved_at_visit TEXT NOT NULL CHECK (resolved_at_visit IN ('yes', 'no', 'partly'))
            );
            CREATE INDEX visit_issues_visit ON visit_issues(visit_id, position);

            -- Unsent reports, kept as the raw fields the person typed (even invalid ones),
            -- so nothing is lost; visit_id is set when the draft corrects a submitted report.
            CREATE TABLE drafts (
              id INTEGER PRIMARY KEY,
              client_id TEXT NOT NULL UNIQUE,
              user_id INTEGER NOT NULL REFERENCES users(id),
              visit_id INTEGER REFERENCES visits(id),
              fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fields)),
              revision INTEGER NOT NULL DEFAULT 1,
              created_at TEXT NOT NULL DEFAULT {NOW},
              updated_at TEXT NOT NULL DEFAULT {NOW}
            );
            CREATE INDEX drafts_user ON drafts(user_id, updated_at);

            -- Every submitted version of a report: the fields as typed, a labelled snapshot
            -- for the visible diff, and who made it, when and why.
            CREATE TABLE visit_versions (
              id INTEGER PRIMARY KEY,
              visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
              version INTEGER NOT NULL,
              fields TEXT NOT NULL CHECK (json_valid(fields)),
              snapshot TEXT NOT NULL CHECK (json_valid(snapshot)),
              reason TEXT NOT NULL DEFAULT '',
              created_by INTEGER NOT NULL REFERENCES users(id),
              created_at TEXT NOT NULL DEFAULT {NOW},
              UNIQUE (visit_id, version)
            );
            """)
            problems = list(db.query("PRAGMA foreign_key_check"))
            if problems:
                raise RuntimeError(f"foreign key problems after rebuilding detainee_entries: {problems}")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if was_on else 'OFF'}")
