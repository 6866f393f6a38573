"""The schema, as numbered append-only migrations.

Never edit a migration that has been applied: add a new one. This file imports only
sqlite_utils, because `sqlite-utils migrate instance/icv.sqlite icv/migrations.py --list`
loads it on its own.

Times are UTC ISO-8601 text ("2026-11-22T09:30:00Z"), so text order is time order and a
London month is a range query on an index.
"""
import hashlib
import json

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


@migrations(transactional=False)  # foreign_keys can only be switched outside a transaction
def m007_escalation_workflow(db):
    """The custody team's workflow (issue 4) and the audit log.

    escalations is rebuilt so that a finding can come from a visit, a detainee entry or a
    custody record review (review_id refers to the table issue 5 adds), with the suite
    copied on so every queue filter is an index range. Each escalation keeps the priority
    its rule gives (base_priority), the one after modifiers (priority) and why (reasons, a
    JSON list). review_id has no foreign key clause (see the column). still_raised is 0 when a corrected report no longer raises it: it is never
    deleted. version is the optimistic lock of every edit.

    escalation_events is the history of each one (who, when, from, to); internal notes are
    events with internal = 1, and the outcome meant for the ICV is outcome_note.
    audit_log is append-only (triggers refuse UPDATE and DELETE): every view of sensitive
    records and every change of note goes here.
    """
    was_on = next(db.query("PRAGMA foreign_keys"))["foreign_keys"]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            db.executescript(f"""
            CREATE TABLE escalations_new (
              id INTEGER PRIMARY KEY,
              source TEXT NOT NULL CHECK (source IN ('visit', 'detainee', 'review')),
              visit_id INTEGER REFERENCES visits(id),
              detainee_entry_id INTEGER REFERENCES detainee_entries(id),
              -- No REFERENCES: SQLite refuses every write to a table whose foreign key names
              -- a table that does not exist yet; the reviews table comes with issue 5.
              review_id INTEGER,
              suite_id INTEGER NOT NULL REFERENCES suites(id),
              raised_by INTEGER REFERENCES users(id),
              rule_id TEXT NOT NULL,
              title TEXT NOT NULL,
              detail TEXT NOT NULL DEFAULT '',
              base_priority TEXT NOT NULL CHECK (base_priority IN ('critical', 'high', 'medium', 'low')),
              priority TEXT NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
              priority_rank INTEGER NOT NULL CHECK (priority_rank BETWEEN 0 AND 3),
              reasons TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons)),
              status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'triaged',
                'raised_with_police', 'awaiting_response', 'resolved', 'no_further_action')),
              assigned_to INTEGER REFERENCES users(id),
              due_on TEXT,
              police_response TEXT NOT NULL DEFAULT '',
              outcome_note TEXT NOT NULL DEFAULT '',
              closed_reason TEXT NOT NULL DEFAULT '',
              still_raised INTEGER NOT NULL DEFAULT 1 CHECK (still_raised IN (0, 1)),
              version INTEGER NOT NULL DEFAULT 1,
              created_at TEXT NOT NULL DEFAULT {NOW},
              updated_at TEXT NOT NULL DEFAULT {NOW},
              closed_at TEXT,
              CHECK ((closed_at IS NULL) = (status NOT IN ('resolved', 'no_further_action'))),
              CHECK ((source = 'review') = (review_id IS NOT NULL)),
              CHECK ((source = 'detainee') = (detainee_entry_id IS NOT NULL)),
              CHECK (source = 'review' OR visit_id IS NOT NULL)
            );
            INSERT INTO escalations_new (id, source, visit_id, detainee_entry_id, suite_id, raised_by,
                rule_id, title, base_priority, priority, priority_rank, status, assigned_to, version,
                created_at, updated_at, closed_at)
              SELECT e.id, CASE WHEN e.detainee_entry_id IS NULL THEN 'visit' ELSE 'detainee' END,
                e.visit_id, e.detainee_entry_id, v.suite_id, v.created_by, e.rule_id, e.title,
                e.priority, e.priority, e.priority_rank, e.status, e.assigned_to, e.version,
                e.created_at, e.updated_at, e.closed_at
              FROM escalations e JOIN visits v ON v.id = e.visit_id;
            DROP TABLE escalations;
            ALTER TABLE escalations_new RENAME TO escalations;

            CREATE UNIQUE INDEX escalations_finding_rule ON escalations(
              coalesce(visit_id, 0), coalesce(detainee_entry_id, 0), coalesce(review_id, 0), rule_id);
            CREATE INDEX escalations_visit ON escalations(visit_id);
            CREATE INDEX escalations_review ON escalations(review_id) WHERE review_id IS NOT NULL;
            CREATE INDEX escalations_queue ON escalations(priority_rank, created_at) WHERE closed_at IS NULL;
            CREATE INDEX escalations_unassigned ON escalations(priority_rank, created_at)
              WHERE closed_at IS NULL AND assigned_to IS NULL;
            CREATE INDEX escalations_due ON escalations(due_on, priority_rank) WHERE closed_at IS NULL;
            CREATE INDEX escalations_assigned ON escalations(assigned_to, priority_rank, created_at);
            CREATE INDEX escalations_status ON escalations(status, priority_rank, created_at);
            CREATE INDEX escalations_suite ON escalations(suite_id, rule_id, created_at);
            CREATE INDEX escalations_rule ON escalations(rule_id, created_at);
            CREATE INDEX escalations_created ON escalations(created_at);
            CREATE INDEX escalations_raised_by ON escalations(raised_by, created_at);

            CREATE TABLE escalation_events (
              id INTEGER PRIMARY KEY,
              escalation_id INTEGER NOT NULL REFERENCES escalations(id),
              user_id INTEGER REFERENCES users(id),  -- NULL: the rules, not a person
              kind TEXT NOT NULL CHECK (kind IN ('raised', 'rerun', 'status', 'assigned', 'priority',
                'note', 'police_response', 'outcome', 'due')),
              from_value TEXT,
              to_value TEXT,
              body TEXT NOT NULL DEFAULT '',
              internal INTEGER NOT NULL DEFAULT 1 CHECK (internal IN (0, 1)),
              created_at TEXT NOT NULL DEFAULT {NOW}
            );
            CREATE INDEX escalation_events_escalation ON escalation_events(escalation_id, id);

            CREATE TABLE audit_log (
              id INTEGER PRIMARY KEY,
              at TEXT NOT NULL DEFAULT {NOW},
              user_id INTEGER REFERENCES users(id),
              action TEXT NOT NULL,
              object_type TEXT NOT NULL,
              object_id INTEGER,
              detail TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(detail))
            );
            CREATE INDEX audit_log_object ON audit_log(object_type, object_id, at);
            CREATE INDEX audit_log_user ON audit_log(user_id, at);
            CREATE INDEX audit_log_at ON audit_log(at);
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
              BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
              BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            """)
            problems = list(db.query("PRAGMA foreign_key_check(escalations)"))
            if problems:
                raise RuntimeError(f"foreign key problems after rebuilding escalations: {problems}")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if was_on else 'OFF'}")


@migrations()
def m008_custody_record_reviews(db):
    """Custody record reviews (issue 5): who may review, batches of redacted records, who
    reviews each one, the reviews and their drafts.

    The redacted record itself never enters the app: review_records holds its reference only.
    A record has one review (a reviewer or a pair writes it together), made empty when the
    record is assigned, so every opening can be audited against its id. Times are UTC text in
    the timeline JSON ({event: time}); derived holds what they imply (icv/reviews/derive.py)
    as the rules saw it at submission. Drafts are their own table, one per review and shared
    by a pair: visit drafts (`drafts`) are listed and opened as visit reports.
    """
    db.executescript(f"""
    ALTER TABLE users ADD COLUMN crr_trained INTEGER NOT NULL DEFAULT 0 CHECK (crr_trained IN (0, 1));
    ALTER TABLE users ADD COLUMN vetting_expires_on TEXT;  -- a London date, YYYY-MM-DD

    CREATE TABLE review_batches (
      id INTEGER PRIMARY KEY,
      suite_id INTEGER NOT NULL REFERENCES suites(id),
      session_date TEXT NOT NULL,  -- a London date, YYYY-MM-DD
      note TEXT NOT NULL DEFAULT '',
      created_by INTEGER NOT NULL REFERENCES users(id),
      created_at TEXT NOT NULL DEFAULT {NOW}
    );
    CREATE INDEX review_batches_suite ON review_batches(suite_id, session_date);
    CREATE INDEX review_batches_date ON review_batches(session_date);

    -- The redacted record's reference (a custody record number or the copy's own reference),
    -- never a name. UNIQUE (batch_id, record_ref) is also the index of a batch's records.
    CREATE TABLE review_records (
      id INTEGER PRIMARY KEY,
      batch_id INTEGER NOT NULL REFERENCES review_batches(id),
      record_ref TEXT NOT NULL,
      sample_reason TEXT NOT NULL CHECK (sample_reason IN ('child', 'mental_health',
        'vulnerable_adult', 'woman', 'strip_search', 'use_of_force', 'random', 'serious_incident')),
      created_at TEXT NOT NULL DEFAULT {NOW},
      UNIQUE (batch_id, record_ref)
    );

    -- A reviewer or a pair: at most two people per record.
    CREATE TABLE review_assignments (
      record_id INTEGER NOT NULL REFERENCES review_records(id) ON DELETE CASCADE,
      user_id INTEGER NOT NULL REFERENCES users(id),
      assigned_by INTEGER REFERENCES users(id),
      assigned_at TEXT NOT NULL DEFAULT {NOW},
      PRIMARY KEY (record_id, user_id)
    );
    CREATE INDEX review_assignments_user ON review_assignments(user_id, record_id);
    CREATE TRIGGER review_assignments_pair BEFORE INSERT ON review_assignments
      WHEN (SELECT count(*) FROM review_assignments WHERE record_id = NEW.record_id) >= 2
      BEGIN SELECT RAISE(ABORT, 'a record is reviewed by one reviewer or a pair'); END;

    -- Demographics as on the record; the disposal category only, never the offence.
    CREATE TABLE custody_record_reviews (
      id INTEGER PRIMARY KEY,
      client_id TEXT NOT NULL UNIQUE,
      record_id INTEGER NOT NULL UNIQUE REFERENCES review_records(id),
      suite_id INTEGER NOT NULL REFERENCES suites(id),
      session_date TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
      age_band TEXT,
      gender TEXT,
      ethnicity TEXT,
      ic_code TEXT,
      vulnerability TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(vulnerability)),
      disposal TEXT,
      arrived_at TEXT,
      timeline TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(timeline)),
      detention_reviews TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(detention_reviews)),
      annex_b_delay TEXT NOT NULL DEFAULT 'no' CHECK (annex_b_delay IN ('yes', 'no')),
      derived TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(derived)),
      care_checks TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(care_checks)),
      flags TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(flags)),
      record_quality TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(record_quality)),
      overall_grade TEXT CHECK (overall_grade IN ('good', 'requires_improvement', 'serious_concern')),
      comments TEXT NOT NULL DEFAULT '',
      version INTEGER NOT NULL DEFAULT 1,
      created_by INTEGER REFERENCES users(id),
      submitted_by INTEGER REFERENCES users(id),
      created_at TEXT NOT NULL DEFAULT {NOW},
      updated_at TEXT NOT NULL DEFAULT {NOW},
      submitted_at TEXT,
      CHECK ((status = 'submitted') = (submitted_at IS NOT NULL)),
      CHECK (status = 'draft' OR overall_grade IS NOT NULL)
    );
    CREATE INDEX custody_record_reviews_suite ON custody_record_reviews(suite_id, session_date);
    CREATE INDEX custody_record_reviews_status ON custody_record_reviews(status, submitted_at);
    CREATE INDEX custody_record_reviews_arrived ON custody_record_reviews(arrived_at);

    -- What a reviewer typed, valid or not, until the review is submitted.
    CREATE TABLE review_drafts (
      review_id INTEGER PRIMARY KEY REFERENCES custody_record_reviews(id) ON DELETE CASCADE,
      fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fields)),
      revision INTEGER NOT NULL DEFAULT 1,
      updated_by INTEGER NOT NULL REFERENCES users(id),
      created_at TEXT NOT NULL DEFAULT {NOW},
      updated_at TEXT NOT NULL DEFAULT {NOW}
    );
    """)


@migrations()
def m009_escalations_entry_index(db):
    """The detainee export looks up each entry's escalations; with no index on the entry it
    read the whole table for every entry (a national month took minutes)."""
    db.execute("CREATE INDEX escalations_entry ON escalations(detainee_entry_id) "
               "WHERE detainee_entry_id IS NOT NULL")


@migrations(transactional=False)  # foreign_keys can only be switched outside a transaction
def m010_escalations_review_foreign_key(db):
    """escalations.review_id refers to custody_record_reviews(id), now that the table exists
    (m007 could not name it). SQLite adds a foreign key only by rebuilding the table: every
    row is copied, and every index and trigger on escalations is made again from its own SQL."""
    was_on = next(db.query("PRAGMA foreign_keys"))["foreign_keys"]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            kept = [r["sql"] for r in db.query(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'escalations' "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL")]
            columns = [c.name for c in db["escalations"].columns]
            db.executescript(f"""
            CREATE TABLE escalations_new (
              id INTEGER PRIMARY KEY,
              source TEXT NOT NULL CHECK (source IN ('visit', 'detainee', 'review')),
              visit_id INTEGER REFERENCES visits(id),
              detainee_entry_id INTEGER REFERENCES detainee_entries(id),
              review_id INTEGER REFERENCES custody_record_reviews(id),
              suite_id INTEGER NOT NULL REFERENCES suites(id),
              raised_by INTEGER REFERENCES users(id),
              rule_id TEXT NOT NULL,
              title TEXT NOT NULL,
              detail TEXT NOT NULL DEFAULT '',
              base_priority TEXT NOT NULL CHECK (base_priority IN ('critical', 'high', 'medium', 'low')),
              priority TEXT NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
              priority_rank INTEGER NOT NULL CHECK (priority_rank BETWEEN 0 AND 3),
              reasons TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons)),
              status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'triaged',
                'raised_with_police', 'awaiting_response', 'resolved', 'no_further_action')),
              assigned_to INTEGER REFERENCES users(id),
              due_on TEXT,
              police_response TEXT NOT NULL DEFAULT '',
              outcome_note TEXT NOT NULL DEFAULT '',
              closed_reason TEXT NOT NULL DEFAULT '',
              still_raised INTEGER NOT NULL DEFAULT 1 CHECK (still_raised IN (0, 1)),
              version INTEGER NOT NULL DEFAULT 1,
              created_at TEXT NOT NULL DEFAULT {NOW},
              updated_at TEXT NOT NULL DEFAULT {NOW},
              closed_at TEXT,
              CHECK ((closed_at IS NULL) = (status NOT IN ('resolved', 'no_further_action'))),
              CHECK ((source = 'review') = (review_id IS NOT NULL)),
              CHECK ((source = 'detainee') = (detainee_entry_id IS NOT NULL)),
              CHECK (source = 'review' OR visit_id IS NOT NULL)
            );
            INSERT INTO escalations_new ({', '.join(columns)}) SELECT {', '.join(columns)} FROM escalations;
            DROP TABLE escalations;
            ALTER TABLE escalations_new RENAME TO escalations;
            """)
            for sql in kept:
                db.execute(sql)
            for table in ("escalations", "escalation_events"):
                problems = list(db.query(f"PRAGMA foreign_key_check({table})"))
                if problems:
                    raise RuntimeError(f"foreign key problems after rebuilding escalations: {problems}")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if was_on else 'OFF'}")


@migrations()
def m011_one_drafts_table(db):
    """Drafts of visit reports and of custody record reviews in one table (icv/drafts/store.py), with
    the revision check both need: `kind` says which, `review_id` ties a review's shared draft to
    it, `updated_by` is who saved last and `saved_from` the page that saved it (a page's own
    saves never refuse each other). review_drafts rows move here under their review's client id."""
    db.executescript("""
    ALTER TABLE drafts ADD COLUMN kind TEXT NOT NULL DEFAULT 'visit' CHECK (kind IN ('visit', 'review'));
    ALTER TABLE drafts ADD COLUMN review_id INTEGER REFERENCES custody_record_reviews(id) ON DELETE CASCADE;
    ALTER TABLE drafts ADD COLUMN updated_by INTEGER REFERENCES users(id);
    ALTER TABLE drafts ADD COLUMN saved_from TEXT;
    UPDATE drafts SET updated_by = user_id;
    CREATE UNIQUE INDEX drafts_review ON drafts(review_id);
    INSERT INTO drafts (client_id, kind, user_id, review_id, fields, revision, updated_by, created_at,
                        updated_at)
      SELECT c.client_id, 'review', d.updated_by, d.review_id, d.fields, d.revision, d.updated_by,
             d.created_at, d.updated_at
      FROM review_drafts d JOIN custody_record_reviews c ON c.id = d.review_id;
    DROP TABLE review_drafts;
    """)


@migrations()
def m012_sessions(db):
    """Server-side sessions (icv/accounts/sessions.py): the cookie carries only a random token,
    stored here as its SHA-256, so sign-out, an admin or a password change can end a session and a
    copied cookie stops working. `device` is the browser's user agent, `expires_at` the end of the
    absolute lifetime; last_seen_at is moved on at most once a minute."""
    db.executescript("""
    CREATE TABLE sessions (
      id INTEGER PRIMARY KEY,
      token_hash TEXT NOT NULL UNIQUE,
      user_id INTEGER NOT NULL REFERENCES users(id),
      device TEXT NOT NULL DEFAULT '',
      address TEXT,
      started_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      ended_at TEXT,
      ended_reason TEXT,
      CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
    );
    CREATE INDEX sessions_user ON sessions(user_id, ended_at);
    """)


@migrations()
def m013_sign_in_throttle(db):
    """Failed sign-ins counted per account (the email typed, known or not, so a lock says nothing
    about whether an account exists) and per client address (icv/accounts/throttle.py). Kept in
    the database so every server process sees the same counts."""
    db.executescript("""
    CREATE TABLE sign_in_throttle (
      kind TEXT NOT NULL CHECK (kind IN ('account', 'address')),
      key TEXT NOT NULL,
      user_id INTEGER REFERENCES users(id),
      failures INTEGER NOT NULL DEFAULT 0,
      last_failed_at TEXT NOT NULL,
      locked_until TEXT,
      PRIMARY KEY (kind, key)
    );
    CREATE INDEX sign_in_throttle_locked ON sign_in_throttle(locked_until);
    """)


@migrations()
def m014_two_factor(db):
    """Two-factor sign-in (icv/accounts/twofactor.py). `two_factor` is one row per person who has
    started setting it up: the TOTP secret, `enrolled_at` once a code confirmed it (NULL while
    setting up), and `last_step`, the 30-second time step of the last code accepted, so a code is
    never accepted twice. `recovery_codes` holds single-use codes as salted password hashes;
    `used_at` is set once, never cleared."""
    db.executescript("""
    CREATE TABLE two_factor (
      user_id INTEGER PRIMARY KEY REFERENCES users(id),
      secret TEXT NOT NULL,
      created_at TEXT NOT NULL,
      enrolled_at TEXT,
      last_step INTEGER
    );
    CREATE TABLE recovery_codes (
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users(id),
      code_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      used_at TEXT
    );
    CREATE INDEX recovery_codes_user ON recovery_codes(user_id);
    """)


@migrations(transactional=False)  # foreign_keys can only be switched outside a transaction
def m015_accounts(db):
    """Accounts run in the app (issue 10). users is rebuilt (SQLite drops a column with a
    foreign key, or a NOT NULL, only that way): panel_id moves to user_panels, since a visitor
    may sit on more than one panel; password_hash may be NULL, because an invited account has no
    password until the invitee sets one through their link; invited_at / invited_by say who
    asked for the account, password_set_at when its password last changed, deactivated_at when
    it was switched off (active = 0). account_links holds the single-use invitation and reset
    links, by a hash of their token (icv/accounts/links.py)."""
    was_on = next(db.query("PRAGMA foreign_keys"))["foreign_keys"]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            db.executescript(f"""
            CREATE TABLE user_panels (
              user_id INTEGER NOT NULL REFERENCES users(id),
              panel_id INTEGER NOT NULL REFERENCES panels(id),
              PRIMARY KEY (user_id, panel_id)
            );
            CREATE INDEX user_panels_panel ON user_panels(panel_id);
            INSERT INTO user_panels (user_id, panel_id)
              SELECT id, panel_id FROM users WHERE panel_id IS NOT NULL;

            CREATE TABLE users_new (
              id INTEGER PRIMARY KEY,
              email TEXT NOT NULL UNIQUE COLLATE NOCASE,
              display_name TEXT NOT NULL,
              password_hash TEXT,  -- NULL: invited, no password set yet
              role TEXT NOT NULL CHECK (role IN ('icv', 'custody_team', 'coordinator', 'admin')),
              active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
              created_at TEXT NOT NULL DEFAULT {NOW},
              updated_at TEXT NOT NULL DEFAULT {NOW},
              crr_trained INTEGER NOT NULL DEFAULT 0 CHECK (crr_trained IN (0, 1)),
              vetting_expires_on TEXT,  -- a London date, YYYY-MM-DD
              invited_at TEXT,
              invited_by INTEGER REFERENCES users(id),
              password_set_at TEXT,
              deactivated_at TEXT  -- when it was last deactivated (kept after reactivating: history)
            );
            INSERT INTO users_new (id, email, display_name, password_hash, role, active, created_at,
                                   updated_at, crr_trained, vetting_expires_on, password_set_at,
                                   deactivated_at)
              SELECT id, email, display_name, password_hash, role, active, created_at, updated_at,
                     crr_trained, vetting_expires_on, created_at,
                     CASE WHEN active = 0 THEN updated_at END
              FROM users;
            DROP TABLE users;
            ALTER TABLE users_new RENAME TO users;
            CREATE INDEX users_role ON users(role, active);

            CREATE TABLE account_links (
              id INTEGER PRIMARY KEY,
              user_id INTEGER NOT NULL REFERENCES users(id),
              purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
              token_hash TEXT NOT NULL UNIQUE,  -- sha256 of the token; the token is only in the mail
              created_by INTEGER REFERENCES users(id),  -- NULL: asked for by "Forgot your password?"
              created_at TEXT NOT NULL DEFAULT {NOW},
              expires_at TEXT NOT NULL,
              used_at TEXT,
              revoked_at TEXT  -- a newer link, or deactivation, replaced it
            );
            CREATE INDEX account_links_user ON account_links(user_id, purpose);
            """)
            problems = list(db.query("PRAGMA foreign_key_check"))
            if problems:
                raise RuntimeError(f"foreign key problems after rebuilding users: {problems}")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if was_on else 'OFF'}")


@migrations()
def m016_audit_search(db):
    """The audit log searched by an admin (issue 10): where each request came from (`address`,
    the client's IP address as the app sees it), and indexes for a search by action or by kind of
    object, newest first (by person, by object and by date have theirs since m007). Adding a
    column does not fire the triggers that refuse UPDATE and DELETE."""
    db.executescript("""
    ALTER TABLE audit_log ADD COLUMN address TEXT;
    CREATE INDEX audit_log_action ON audit_log(action, at);
    CREATE INDEX audit_log_type ON audit_log(object_type, at);
    """)


@migrations()
def m017_summary_indexes(db):
    """The summaries (issue 11) find a period's custody record reviews by their session date and
    its resolved escalations by when they closed, for London as well as for one suite."""
    db.executescript("""
    CREATE INDEX custody_record_reviews_session ON custody_record_reviews(session_date);
    CREATE INDEX escalations_closed ON escalations(closed_at) WHERE closed_at IS NOT NULL;
    """)


@migrations(transactional=False)  # foreign_keys can only be switched outside a transaction
def m018_monthly_escalations(db):
    """Rules AG1 and AG2 (issue 11) raise escalations from a month's reports, not one finding.

    escalations is rebuilt (as m010 did: every row copied, every index and trigger made again
    from its own SQL) so that source may be 'monthly': such an escalation names its London
    month (`period`, 'YYYY-MM') and what it is about (`monthly_key`: the flag kind for AG1, the
    suite for AG2), has no visit, entry or review, and has no suite when it is London-wide.
    The finding's unique index takes the month and key, so a re-run never raises one twice;
    escalations_period finds a month's. monthly_rule_runs says which months have been checked
    (icv/escalations/monthly.py)."""
    was_on = next(db.query("PRAGMA foreign_keys"))["foreign_keys"]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            kept = [r["sql"] for r in db.query(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'escalations' "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL "
                "AND name != 'escalations_finding_rule'")]
            columns = ", ".join(c.name for c in db["escalations"].columns)
            db.executescript(f"""
            CREATE TABLE escalations_new (
              id INTEGER PRIMARY KEY,
              source TEXT NOT NULL CHECK (source IN ('visit', 'detainee', 'review', 'monthly')),
              visit_id INTEGER REFERENCES visits(id),
              detainee_entry_id INTEGER REFERENCES detainee_entries(id),
              review_id INTEGER REFERENCES custody_record_reviews(id),
              suite_id INTEGER REFERENCES suites(id),  -- NULL: a London-wide monthly finding
              raised_by INTEGER REFERENCES users(id),
              rule_id TEXT NOT NULL,
              title TEXT NOT NULL,
              detail TEXT NOT NULL DEFAULT '',
              base_priority TEXT NOT NULL CHECK (base_priority IN ('critical', 'high', 'medium', 'low')),
              priority TEXT NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
              priority_rank INTEGER NOT NULL CHECK (priority_rank BETWEEN 0 AND 3),
              reasons TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons)),
              status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'triaged',
                'raised_with_police', 'awaiting_response', 'resolved', 'no_further_action')),
              assigned_to INTEGER REFERENCES users(id),
              due_on TEXT,
              police_response TEXT NOT NULL DEFAULT '',
              outcome_note TEXT NOT NULL DEFAULT '',
              closed_reason TEXT NOT NULL DEFAULT '',
              still_raised INTEGER NOT NULL DEFAULT 1 CHECK (still_raised IN (0, 1)),
              version INTEGER NOT NULL DEFAULT 1,
              created_at TEXT NOT NULL DEFAULT {NOW},
              updated_at TEXT NOT NULL DEFAULT {NOW},
              closed_at TEXT,
              period TEXT CHECK (period IS NULL OR period GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
              monthly_key TEXT,
              CHECK ((closed_at IS NULL) = (status NOT IN ('resolved', 'no_further_action'))),
              CHECK ((source = 'review') = (review_id IS NOT NULL)),
              CHECK ((source = 'detainee') = (detainee_entry_id IS NOT NULL)),
              CHECK (source IN ('review', 'monthly') OR visit_id IS NOT NULL),
              CHECK ((source = 'monthly') = (period IS NOT NULL)),
              CHECK ((source = 'monthly') = (monthly_key IS NOT NULL)),
              CHECK (source != 'monthly' OR visit_id IS NULL),
              CHECK (suite_id IS NOT NULL OR source = 'monthly')
            );
            INSERT INTO escalations_new ({columns}) SELECT {columns} FROM escalations;
            DROP TABLE escalations;
            ALTER TABLE escalations_new RENAME TO escalations;

            CREATE UNIQUE INDEX escalations_finding_rule ON escalations(
              coalesce(visit_id, 0), coalesce(detainee_entry_id, 0), coalesce(review_id, 0), rule_id,
              coalesce(period, ''), coalesce(monthly_key, ''));
            CREATE INDEX escalations_period ON escalations(period, rule_id) WHERE period IS NOT NULL;

            CREATE TABLE monthly_rule_runs (
              month TEXT PRIMARY KEY,  -- a London month, 'YYYY-MM'
              run_at TEXT NOT NULL,
              raised INTEGER NOT NULL
            );
            """)
            for sql in kept:
                db.execute(sql)
            for table in ("escalations", "escalation_events"):
                problems = list(db.query(f"PRAGMA foreign_key_check({table})"))
                if problems:
                    raise RuntimeError(f"foreign key problems after rebuilding escalations: {problems}")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if was_on else 'OFF'}")


# The audit log's chain (m019). icv/audit.py hashes every new entry with this same function and
# `flask audit verify` checks with it: it is the one format of the chain, so it can never change
# (every stored hash would stop matching). It lives here because m019 chains the entries that
# were there before it, and this file imports nothing of the app's.
AUDIT_GENESIS = "0" * 64  # what the first entry of the log follows
AUDIT_CHAINED = ("id", "at", "user_id", "action", "object_type", "object_id", "address", "detail")


def audit_entry_hash(prev_hash, entry):
    """SHA-256 (hex) of the previous entry's hash and this entry's fields (a dict or row with
    AUDIT_CHAINED), as one JSON array: a canonical text, with no separator an edit could move."""
    text = json.dumps([prev_hash, *(entry[k] for k in AUDIT_CHAINED)], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@migrations()
def m019_audit_chain(db):
    """Tamper evidence for the audit log (issue 13): each entry carries the hash of the entry
    before it (`prev_hash`) and its own (`hash`, audit_entry_hash() over prev_hash and its
    fields), so changing, removing or adding an entry breaks the chain from there on. The
    entries already there are chained in id order; UPDATE is refused again once they are.

    A purge of old entries (icv/audit.py purge_older_than()) first records a checkpoint in
    `audit_checkpoints`: the last entry it removes (id, time, hash) and how many. The DELETE
    trigger now refuses any entry newer than the latest checkpoint, so entries go only from
    the start of the log, only up to a recorded checkpoint, and never without one. A checkpoint
    must name an entry that exists with its hash, beyond the one before; checkpoints are never
    changed or removed. The unique index on prev_hash makes a fork (two entries following the
    same one) impossible."""
    db.execute("ALTER TABLE audit_log ADD COLUMN prev_hash TEXT")
    db.execute("ALTER TABLE audit_log ADD COLUMN hash TEXT")
    db.execute("DROP TRIGGER audit_log_no_update")
    prev, links = AUDIT_GENESIS, []
    for entry in db.query(f"SELECT {', '.join(AUDIT_CHAINED)} FROM audit_log ORDER BY id"):
        links.append((prev, audit_entry_hash(prev, entry), entry["id"]))
        prev = links[-1][1]
    db.conn.executemany("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", links)
    db.executescript("""
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE UNIQUE INDEX audit_log_chain ON audit_log(prev_hash);

    CREATE TABLE audit_checkpoints (
      id INTEGER PRIMARY KEY,
      at TEXT NOT NULL,             -- when the purge ran (UTC)
      cutoff TEXT NOT NULL,         -- it removed entries older than this (UTC)
      last_id INTEGER NOT NULL,     -- the last entry it removed: the chain goes on from its hash
      last_at TEXT NOT NULL,
      last_hash TEXT NOT NULL,
      removed INTEGER NOT NULL      -- how many entries it removed
    );
    CREATE TRIGGER audit_checkpoints_follow BEFORE INSERT ON audit_checkpoints
      WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE id = new.last_id AND hash = new.last_hash)
        OR new.last_id <= (SELECT coalesce(max(last_id), 0) FROM audit_checkpoints)
      BEGIN SELECT RAISE(ABORT, 'a checkpoint names the last entry it removes, after the last checkpoint'); END;
    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
      BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
    CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
      BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

    DROP TRIGGER audit_log_no_delete;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      WHEN old.id > (SELECT coalesce(max(last_id), 0) FROM audit_checkpoints)
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """)


@migrations()
def m020_retention(db):
    """Retention (issue 13, icv/retention.py): what `flask purge` has done, so a daily run counts
    and touches only what is newly past its period. drafts.expiry_warned_at: when the owner was
    told the draft will be deleted (cleared by a save, which starts its period again);
    users.anonymised_at: a deactivated account's name and email were replaced; visits and
    custody_record_reviews: when custody record numbers and free text were removed;
    review_batches.refs_removed_at: when its records' references were."""
    db.executescript("""
    ALTER TABLE drafts ADD COLUMN expiry_warned_at TEXT;
    ALTER TABLE users ADD COLUMN anonymised_at TEXT;
    ALTER TABLE visits ADD COLUMN numbers_removed_at TEXT;
    ALTER TABLE visits ADD COLUMN text_removed_at TEXT;
    ALTER TABLE custody_record_reviews ADD COLUMN text_removed_at TEXT;
    ALTER TABLE review_batches ADD COLUMN refs_removed_at TEXT;
    """)
