"""Ten years of national-scale data for bench/national.py, seeded so the figures repeat.

The demo's 30 suites in their panels, 12 custody team members, 3 coordinators and 400 visitors
(60 of them trained in custody record review); 100,000 visits spread over London days and hours,
with the counts a visit report records; 300,000 detainee entries with London-like age bands,
genders and ethnicities, and flags answered as the demo answers them (strip searches and use of
force more frequent for Black detainees, so the disproportionality tables have something to
show); about one issue per three visits; 100,000 escalations (old ones mostly closed, the last
weeks mostly open); 3,000 submitted custody record reviews in 600 review sessions.
"""
import json
import time
import uuid
from datetime import datetime, time as clock, timedelta, timezone
from itertools import accumulate

from werkzeug.security import generate_password_hash

from queue_page import add_suites, escalation  # bench/queue_page.py

from icv import codes, flags
from icv.demo import GOOD
from icv.reviews import derive, store as review_store
from icv.reviews.questions import CARE_CHECKS, DISPOSALS, GRADES, QUALITY, RECORD_QUALITY, SAMPLE_REASONS as REASONS
from icv.rules import VISIT_RULES
from icv.times import LONDON, london_to_utc, to_iso
from icv.visits.questions import CONSENT as CONSENTS, ISSUE_CATEGORIES, NOT_SEEN_REASONS, RESOLVED as RESOLUTIONS
from icv.visits.questions import VISIT_TYPES as TYPES

# Bump when the data changes: a database built by another version is built again.
VERSION = 11
SEED = 2026_11
END = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)
DAYS = 3652
VISITS = 100_000
SESSIONS, RECORDS_PER_SESSION = 600, 5
PASSWORD = "bench password, never a real one"
BATCH = 5000  # visits generated and inserted at a time

AGE_BANDS = {"10-13": 0.3, "14-15": 1.7, "16-17": 4, "18-20": 9, "21-24": 13, "25-34": 32,
             "35-44": 22, "45-54": 11.5, "55-64": 4.5, "65+": 1.2, "unknown": 0.8}
GENDERS = {"male": 84, "female": 14, "non_binary": 0.5, "not_stated": 1.5}
# London-like: White about 50%, Black 20%, Asian 15%, Mixed 6%, Other 4%, not stated 5%.
ETHNICITIES = {
    "white_british": 30, "white_irish": 2, "white_gypsy_traveller": 1, "white_roma": 1,
    "white_other": 16, "black_african": 8, "black_caribbean": 8, "black_other": 4,
    "asian_bangladeshi": 3, "asian_chinese": 1, "asian_indian": 3, "asian_pakistani": 3,
    "asian_other": 5, "mixed_white_asian": 1.5, "mixed_white_black_african": 1.5,
    "mixed_white_black_caribbean": 1.5, "mixed_other": 1.5, "other_arab": 2, "other_any": 2,
    "not_stated": 5}
IC_CODE = {"White": "IC1", "Black": "IC3", "Asian": "IC4", "Mixed": "IC9", "Other": "IC6",
           "Not stated": "IC9"}
# Share of adult entries with each flag, and how much more often each ethnic group gets it.
FLAG_SHARE = {"strip_search": 0.04, "intimate_search": 0.004, "use_of_force": 0.08}
CHILD_STRIP_SHARE = 0.12
ESCALATION_SHARE = 0.32  # of entries: about 100,000 escalations
OVER = {"strip_search": {"Black": 3.0, "Mixed": 1.4}, "use_of_force": {"Black": 1.6, "Mixed": 1.2}}
# London clock hour of arrival: mostly daytime and evening, few at night.
HOURS = {h: w for h, w in zip(range(24), [1, 0.6, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 4, 6, 7, 7, 6,
                                          6, 7, 7, 7, 7, 7, 7, 6, 4, 2, 1.5])}
VISIT_TYPES = {"routine": 90, "follow_up": 6, "extended_observation": 3, "tact": 1}
CONSENT = {"yes": 75, "observed_only": 12, "declined": 13}
NOT_SEEN = {"asleep": 35, "interview": 20, "with_professional": 15, "booking_or_release": 15,
            "risk_advice": 6, "unfit": 6, "access_refused": 1, "other": 2}
ISSUES_PER_VISIT = {0: 75, 1: 18, 2: 5, 3: 2}
ISSUE_WEIGHTS = {"rights": 8, "legal_advice": 8, "appropriate_adult": 6, "health": 14,
                 "food_drink": 12, "cell_conditions": 22, "treatment": 6, "facilities": 14,
                 "access": 4, "other": 6}
ISSUE_TEXT = {"cell_conditions": "No toilet paper in two occupied cells.",
              "facilities": "Shower out of order.", "food_drink": "Detainee waiting for a meal.",
              "health": "Detainee waiting to see the nurse.", "access": "Kept waiting at the door."}
RESOLVED = {"yes": 55, "partly": 20, "no": 25}
SAMPLE_REASONS = {"random": 35, "child": 15, "mental_health": 12, "vulnerable_adult": 8,
                  "woman": 10, "strip_search": 10, "use_of_force": 8, "serious_incident": 2}
GRADE_WEIGHTS = {"compliant": 85, "late_or_partial": 6, "non_compliant": 3, "not_recorded": 4,
                 "n_a": 2}
QUALITY_WEIGHTS = {"yes": 70, "partly": 22, "no": 8}


# Every weight is on a real code, and every code has a weight.
for _weights, _choices in [(AGE_BANDS, codes.AGE_BANDS), (GENDERS, codes.GENDERS),
                           (ETHNICITIES, codes.ETHNICITY_CHOICES), (VISIT_TYPES, TYPES),
                           (CONSENT, CONSENTS), (NOT_SEEN, NOT_SEEN_REASONS),
                           (ISSUE_WEIGHTS, ISSUE_CATEGORIES), (RESOLVED, RESOLUTIONS),
                           (SAMPLE_REASONS, REASONS), (GRADE_WEIGHTS, GRADES),
                           (QUALITY_WEIGHTS, QUALITY)]:
    assert set(_weights) == {c[0] for c in _choices}, sorted(set(_weights) ^ {c[0] for c in _choices})


class Picker:
    """rng.choices over a {code: weight} mapping, with the cumulative weights made once."""

    def __init__(self, weights):
        self.codes, self.cum = list(weights), list(accumulate(weights.values()))

    def __call__(self, rng):
        return rng.choices(self.codes, cum_weights=self.cum)[0]


PICK = {name: Picker(w) for name, w in [
    ("age", AGE_BANDS), ("gender", GENDERS), ("ethnicity", ETHNICITIES), ("hour", HOURS),
    ("visit_type", VISIT_TYPES), ("consent", CONSENT), ("not_seen", NOT_SEEN),
    ("issues", ISSUES_PER_VISIT), ("issue", ISSUE_WEIGHTS), ("resolved", RESOLVED),
    ("sample", SAMPLE_REASONS), ("grade", GRADE_WEIGHTS), ("quality", QUALITY_WEIGHTS)]}
CHILD_ONLY = {"parent_informed", "safeguarding_referral", "aa_signed_record"}


def flag_answers(rng, flag, calm, child, female):
    """Answers to the flag's relevant questions, as the demo's random_answers gives them (the
    good answer with probability `calm`), but an adult's strip search needs no appropriate
    adult and asks nothing about parents; only a girl is asked who cares for her."""
    good = GOOD if child else {**GOOD, "aa_present": "not_needed"}
    answers = {}
    for question in flag.questions:
        if not all(answers.get(n) in codes_ for n, codes_ in question.only_if.items()):
            continue
        if (question.name in CHILD_ONLY and not child) or (question.name == "woman_responsible"
                                                           and not female):
            continue
        if question.minutes:
            answers[question.name] = rng.choice([5, 10, 10, 20, 35])
            continue
        if question.optional and rng.random() < 0.3:
            continue
        wanted = good.get(question.name)
        sure = max(calm, 0.9) if question.optional else calm
        answers[question.name] = (wanted if wanted and rng.random() < sure
                                  else rng.choice(question.choices)[0])
    return answers


def entry_flags(rng, age_band, gender, ethnicity):
    """{kind: answers} of one detainee entry."""
    child, female = age_band in codes.CHILD_AGE_BANDS, gender == "female"
    group = codes.ETHNIC_GROUP[ethnicity]
    raised = {}
    if child:
        raised["child"] = flag_answers(rng, flags.CHILD, 0.6, True, female)
    for flag in (flags.STRIP_SEARCH, flags.INTIMATE_SEARCH, flags.USE_OF_FORCE):
        share = CHILD_STRIP_SHARE if child and flag.kind == "strip_search" else FLAG_SHARE[flag.kind]
        if rng.random() < share * OVER.get(flag.kind, {}).get(group, 1):
            raised[flag.kind] = flag_answers(rng, flag, 0.6 if child else 0.75, child, female)
    return raised


def arrival_times(rng):
    """VISITS arrival instants over the DAYS London days before END, in order."""
    last = END.astimezone(LONDON).date() - timedelta(days=1)
    found = [(rng.randrange(DAYS), PICK["hour"](rng), rng.choice(range(0, 60, 5)))
             for _ in range(VISITS)]
    return sorted(london_to_utc(last - timedelta(days=d), clock(h, m)) for d, h, m in found)


def visit_counts(rng, in_custody, entries):
    """The visit's counts JSON: outcomes adding up to in_custody, reasons to not_seen, groups."""
    consent = [e["consent"] for e in entries]
    spoke = max(consent.count("yes"), rng.randint(0, in_custody // 2))
    declined = min(in_custody - spoke, max(consent.count("declined"), rng.randint(0, 2)))
    observed = min(in_custody - spoke - declined, max(consent.count("observed_only"), rng.randint(0, 2)))
    not_seen = in_custody - spoke - declined - observed
    reasons = {f"not_seen_{r}": 0 for r, _ in NOT_SEEN_REASONS}
    for _ in range(not_seen):
        reasons[f"not_seen_{PICK['not_seen'](rng)}"] += 1
    children = max(sum(e["age_band"] in codes.CHILD_AGE_BANDS for e in entries),
                   int(rng.random() < 0.3))
    women = max(sum(e["gender"] == "female" for e in entries), rng.randint(0, in_custody // 5))
    return {"in_custody": in_custody, "spoke_with": spoke, "observed_only": observed,
            "declined": declined, "not_seen": not_seen, "offered": spoke + declined,
            "children": min(children, in_custody), "women": min(women, in_custody),
            "aa_required": min(children + rng.randint(0, 1), in_custody),
            "vulnerable_adults": rng.randint(0, 2) if in_custody > 4 else 0,
            "interpreter_needed": rng.randint(0, 2) if in_custody > 4 else 0,
            "at_hospital": rng.randint(0, 1) if in_custody > 6 else 0,
            "cells_in_use": in_custody, "cells_out_of_order": rng.randint(0, 3), **reasons}


def add_people(db):
    """Staff, coordinators and visitors; ({role: [ids]}, trained reviewer ids)."""
    password_hash = generate_password_hash(PASSWORD)
    people = [("custody_team", 12), ("coordinator", 3), ("icv", 400)]
    db["users"].insert_all({"email": f"{role}{i}@example.org", "display_name": f"{role} {i}",
                            "role": role, "password_hash": password_hash,
                            "crr_trained": int(role == "icv" and i < 60),
                            "vetting_expires_on": "2030-01-01" if role == "icv" else None}
                           for role, n in people for i in range(n))
    ids = {role: [r["id"] for r in db.query("SELECT id FROM users WHERE role = ? ORDER BY id", [role])]
           for role, _ in people}
    return ids, ids["icv"][:60]


class Builder:
    """Generates the rows and inserts them a batch at a time."""

    def __init__(self, db, rng):
        self.db, self.rng = db, rng
        self.suites = add_suites(db)
        statuses = dict(db.execute("SELECT id, status FROM suites").fetchall())
        self.weights = [rng.uniform(0.3, 3) * (0.1 if statuses[s] != "24_7" else 1)
                        for s in self.suites]
        self.people, self.reviewers = add_people(db)
        self.rules = [r for r in VISIT_RULES if r.scope == "detainee"]
        self.rule_weights = [6 if r.priority in ("high", "medium") else 2 for r in self.rules]
        self.entry_id = 0
        self.clear()

    def clear(self):
        self.visits, self.entries, self.flags, self.issues, self.found = [], [], [], [], []

    def visit(self, visit_id, arrived):
        """One visit with its entries, flags, issues and escalations, added to the batch."""
        rng, icvs = self.rng, self.people["icv"]
        suite, author = rng.choices(self.suites, self.weights)[0], rng.choice(icvs)
        alone = rng.random() < 0.08
        partner = None if alone else rng.choice([i for i in icvs[:40] if i != author])
        delay = rng.choice([2, 3, 3, 5, 5, 5, 8, 8, 12, 15, 25, 40])
        admitted = arrived + timedelta(minutes=delay)
        departed = admitted + timedelta(minutes=rng.randint(40, 150))
        entries = [self.entry(visit_id, position, arrived, suite, author)
                   for position in range(rng.choice([1, 2, 3, 4, 5, 4]))]
        counts = visit_counts(rng, rng.randint(max(3, len(entries)), 20), entries)
        self.visits.append((
            visit_id, str(uuid.UUID(int=rng.getrandbits(128))), suite, author, partner,
            PICK["visit_type"](rng),
            to_iso(arrived), to_iso(admitted), to_iso(departed), counts["in_custody"],
            counts["spoke_with"], json.dumps(counts),
            "Suite was busy booking in; we waited in reception." if delay > 10 else "",
            "My partner was unwell on the day." if alone else "", f"PS {rng.randint(1000, 9999)}",
            to_iso(departed + timedelta(minutes=rng.randint(5, 90)))))
        for position in range(PICK["issues"](rng)):
            category = PICK["issue"](rng)
            self.issues.append((visit_id, position, category,
                                ISSUE_TEXT.get(category, "Raised with the custody sergeant."),
                                "Custody sergeant", PICK["resolved"](rng)))

    def entry(self, visit_id, position, arrived, suite, author):
        """One detainee entry (a dict the visit's counts read), its flags and escalation."""
        rng = self.rng
        self.entry_id += 1
        age_band, gender, ethnicity = PICK["age"](rng), PICK["gender"](rng), PICK["ethnicity"](rng)
        consent = PICK["consent"](rng)
        checks = ({"told_rights": "yes", "written_notice": "yes" if rng.random() < 0.9 else "no",
                   "food_offered": "yes", "drink_offered": "yes"} if consent == "yes" else {})
        self.entries.append((
            self.entry_id, visit_id, uuid.UUID(int=rng.getrandbits(128)).hex, position,
            f"01BX/{self.entry_id:06d}/{arrived:%y}", age_band, gender, ethnicity, consent,
            json.dumps(checks), to_iso(arrived) if rng.random() < 0.01 else None))
        for kind, answers in entry_flags(rng, age_band, gender, ethnicity).items():
            self.flags.append((self.entry_id, kind, json.dumps(answers)))
        if rng.random() < ESCALATION_SHARE:
            rule = rng.choices(self.rules, self.rule_weights)[0]
            self.found.append(escalation(rng, rule, visit_id, self.entry_id, suite, author, arrived,
                                         END, self.people["custody_team"]))
        return {"age_band": age_band, "gender": gender, "consent": consent}

    def flush(self):
        """Insert the batch."""
        run = self.db.conn.executemany
        run("INSERT INTO visits (id, client_id, suite_id, created_by, partner_id, visit_type, "
            "arrived_at, admitted_at, departed_at, in_custody, spoke_with, counts, "
            "admission_delay_reason, single_visitor_reason, custody_officer, submitted_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self.visits)
        run("INSERT INTO detainee_entries (id, visit_id, entry_key, position, custody_record_no, "
            "age_band, gender, ethnicity, consent, checks, removed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            self.entries)
        run("INSERT INTO flags (detainee_entry_id, kind, answers) VALUES (?,?,?)", self.flags)
        run("INSERT INTO visit_issues (visit_id, position, category, description, raised_with, "
            "resolved_at_visit) VALUES (?,?,?,?,?,?)", self.issues)
        if self.found:
            columns = list(self.found[0])
            run(f"INSERT INTO escalations ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                [[row[c] for c in columns] for row in self.found])
        self.clear()


def review_times(rng, day, child, markers):
    """(timeline {event: UTC text}, recorded detention reviews) of one detention."""
    arrived = london_to_utc(day, clock(PICK["hour"](rng), rng.choice(range(0, 60, 5))))
    at = lambda base, low, high: base + timedelta(minutes=rng.randint(low, high))  # noqa: E731
    t = {"arrived": arrived}
    t["booked_in"] = at(arrived, 5, 60)
    t["detention_authorised"] = at(t["booked_in"], 5, 20)
    t["rights_given"] = at(t["detention_authorised"], 2, 15)
    t["risk_assessment"] = at(t["booked_in"], 5, 15)
    if rng.random() < 0.55:
        t["legal_advice_requested"] = at(t["detention_authorised"], 5, 30)
        t["legal_advice_consulted"] = at(t["legal_advice_requested"], 20, 400)
    if child or "vulnerable_adult" in markers:
        t["aa_called"] = at(t["detention_authorised"], 10, 60)
        t["aa_arrived"] = at(t["aa_called"], 30, 300)
    if "interpreter_needed" in markers:
        t["interpreter"] = at(t["detention_authorised"], 30, 120)
    if rng.random() < 0.35:
        t["hcp_referred"] = at(t["booked_in"], 10, 60)
        t["hcp_seen"] = at(t["hcp_referred"], 20, 240)
    hours = rng.choices([rng.uniform(3, 12), rng.uniform(12, 24), rng.uniform(24, 36),
                         rng.uniform(36, 60)], [70, 20, 8, 2])[0]
    end = arrived + timedelta(hours=hours)
    if hours > 24 and rng.random() < 0.9:
        t["superintendent_extension"] = arrived + timedelta(hours=rng.uniform(18, 23.9))
    if hours > 36 and rng.random() < 0.9:
        t["warrant"] = arrived + timedelta(hours=rng.uniform(30, 35.9))
        t["warrant_until"] = arrived + timedelta(hours=72)
    t["released"] = end
    reviews, due = [], t["detention_authorised"] + timedelta(hours=6)
    while due < end and rng.random() > 0.03:  # now and then a review never recorded
        late = rng.random() < 0.12
        done = due + timedelta(minutes=rng.randint(20, 240) if late else -rng.randint(0, 60))
        reviews.append({"due": None, "done": to_iso(done), "postponed_reason": "",
                        "representations": rng.choice(["yes", "yes", "no", "not_recorded"])})
        due = min(done, due) + timedelta(hours=9)
    return {k: to_iso(v) for k, v in t.items()}, reviews


def adult_age_band(rng):
    """An age band from AGE_BANDS that is not a child's."""
    while True:
        band = PICK["age"](rng)
        if band not in codes.CHILD_AGE_BANDS:
            return band


def custody_review(rng, reason, session_day):
    """A submitted review's fields (as store.submit stores them), with its derived facts."""
    child = reason == "child"
    age_band = rng.choice(["14-15", "16-17", "16-17"]) if child else adult_age_band(rng)
    gender = "female" if reason == "woman" else PICK["gender"](rng)
    ethnicity = PICK["ethnicity"](rng)
    markers = sorted({m for m, share in [
        ("mental_health", 1 if reason == "mental_health" else 0.2),
        ("vulnerable_adult", 1 if reason == "vulnerable_adult" else 0.05),
        ("drink_or_drugs", 0.25), ("self_harm", 0.1), ("interpreter_needed", 0.08),
        ("looked_after_child", 0.3 if child else 0)] if rng.random() < share})
    times, reviews = review_times(rng, session_day - timedelta(days=rng.randint(3, 40)), child,
                                  markers)
    raised = entry_flags(rng, age_band, gender, ethnicity)
    for kind, flag in [("strip_search", flags.STRIP_SEARCH), ("use_of_force", flags.USE_OF_FORCE)]:
        if reason == kind and kind not in raised:
            raised[kind] = flag_answers(rng, flag, 0.7, child, gender == "female")
    care = {name: PICK["grade"](rng) for name, _ in CARE_CHECKS}
    if "drink_or_drugs" not in markers:
        care["rousing"] = "n_a"
    if not (child or "vulnerable_adult" in markers or "mental_health" in markers):
        care["safeguarding"] = "n_a"
    review = {"age_band": age_band, "gender": gender, "ethnicity": ethnicity,
              "ic_code": IC_CODE[codes.ETHNIC_GROUP[ethnicity]] if rng.random() < 0.7 else None,
              "markers": markers, "disposal": rng.choice(DISPOSALS)[0], "times": times,
              "reviews": reviews, "care_checks": care, "flags": raised,
              "record_quality": {name: PICK["quality"](rng) for name, _ in RECORD_QUALITY}}
    facts = derive.stored(derive.facts(review_store.finding(review)))
    poor = sum(g in ("non_compliant", "not_recorded") for g in care.values())
    poor += sum(r["late"] for r in facts["reviews"]) + 3 * len(facts["limit_breaches"])
    review["overall_grade"] = ("good" if poor == 0 and rng.random() < 0.8 else
                               "requires_improvement" if poor < 3 else "serious_concern")
    return review, facts


def add_reviews(db, rng, reviewers, coordinator):
    """SESSIONS review sessions of RECORDS_PER_SESSION records, every one reviewed and
    submitted on the session day; returns the number of reviews."""
    last = END.astimezone(LONDON).date() - timedelta(days=1)
    days = sorted(last - timedelta(days=rng.randrange(DAYS - 60)) for _ in range(SESSIONS))
    suites = [r[0] for r in db.execute("SELECT id FROM suites WHERE status = '24_7'")]
    count = 0
    for day in days:
        made = to_iso(london_to_utc(day - timedelta(days=7), clock(10)))
        batch = db["review_batches"].insert({"suite_id": rng.choice(suites), "session_date": day.isoformat(),
                                             "note": "Review session", "created_by": coordinator,
                                             "created_at": made}).last_pk
        suite = db["review_batches"].get(batch)["suite_id"]
        for n in range(RECORDS_PER_SESSION):
            reason = PICK["sample"](rng)
            record = db["review_records"].insert({"batch_id": batch, "record_ref": f"01CX/{batch:04d}{n}/{day:%y}",
                                                  "sample_reason": reason, "created_at": made}).last_pk
            pair = rng.sample(reviewers, 2 if rng.random() < 0.4 else 1)
            for user in pair:
                db["review_assignments"].insert({"record_id": record, "user_id": user,
                                                 "assigned_by": coordinator, "assigned_at": made})
            review, facts = custody_review(rng, reason, day)
            submitted = to_iso(london_to_utc(day, clock(rng.randint(11, 16), rng.choice([0, 15, 30, 45]))))
            db["custody_record_reviews"].insert({
                "client_id": str(uuid.UUID(int=rng.getrandbits(128))), "record_id": record,
                "suite_id": suite, "session_date": day.isoformat(), "status": "submitted",
                **{c: review.get(c) for c in review_store.PLAIN_COLUMNS if c != "comments"},
                **{column: json.dumps(review[key]) for key, column in review_store.JSON_COLUMNS.items()},
                "derived": json.dumps(facts), "arrived_at": review["times"]["arrived"],
                "annex_b_delay": "no", "comments": "", "created_by": coordinator,
                "submitted_by": pair[0], "created_at": made, "updated_at": submitted,
                "submitted_at": submitted})
            count += 1
    return count


def build(db, rng=None, progress=print):
    """Everything above, in one transaction with synchronous off; returns the seconds taken."""
    rng = rng or __import__("random").Random(SEED)
    start = time.perf_counter()
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA foreign_keys = OFF")
    with db.atomic():
        builder = Builder(db, rng)
        arrivals = arrival_times(rng)
        for visit_id, arrived in enumerate(arrivals, 1):
            builder.visit(visit_id, arrived)
            if visit_id % BATCH == 0 or visit_id == len(arrivals):
                builder.flush()
                progress(f"  {visit_id:,} visits ({time.perf_counter() - start:.0f} s)")
        reviews = add_reviews(db, rng, builder.reviewers, builder.people["coordinator"][0])
        progress(f"  {reviews:,} custody record reviews ({time.perf_counter() - start:.0f} s)")
        db.execute("CREATE TABLE IF NOT EXISTS bench_build (version INTEGER NOT NULL)")
        db.execute("DELETE FROM bench_build")
        db.execute("INSERT INTO bench_build (version) VALUES (?)", [VERSION])
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = FULL")  # no ANALYZE: production databases have no statistics
    return time.perf_counter() - start


def built_version(db):
    """The VERSION the database was built by (None: not built by this module)."""
    if not db["bench_build"].exists():
        return None
    row = db.execute("SELECT version FROM bench_build").fetchone()
    return row[0] if row else None
