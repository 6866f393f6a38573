"""Demo data for development: London suites and panels, one login per role, five weeks of visits.

Loaded by `flask --debug load-demo` into an empty database only, never in production
configuration. Suite and panel names follow the Met's estate (domain.md 1.4) but the
visits, people and numbers are invented.
"""
import random
import uuid
from datetime import time, timedelta

import click
from flask import current_app
from werkzeug.security import generate_password_hash

from . import codes, flags, rulebook
from .visits import questions as q
from .db import get_db
from .escalations import demo as escalations_demo
from .times import london_to_utc, london_today, now_iso, to_iso, utcnow
from .visits.store import record_visit
from .reviews import demo as reviews_demo

# (suite, BCU, panel, status): 24 open round the clock and 6 contingency suites.
SUITES = [
    ("Bethnal Green", "Central East", "Tower Hamlets", "24_7"),
    ("Stoke Newington", "Central East", "Hackney", "24_7"),
    ("Brixton", "Central South", "Lambeth", "24_7"),
    ("Walworth", "Central South", "Southwark", "24_7"),
    ("Charing Cross", "Central West", "Westminster", "24_7"),
    ("Hammersmith", "Central West", "Hammersmith and Fulham", "24_7"),
    ("Islington", "Central North", "Islington", "24_7"),
    ("Kentish Town", "Central North", "Camden", "24_7"),
    ("Colindale", "North West", "Barnet", "24_7"),
    ("Wembley", "North West", "Brent and Harrow", "24_7"),
    ("Tottenham", "North", "Haringey", "24_7"),
    ("Edmonton", "North", "Enfield", "24_7"),
    ("Leyton", "North East", "Waltham Forest", "24_7"),
    ("Ilford", "East", "Redbridge", "24_7"),
    ("Romford", "East", "Havering", "24_7"),
    ("Lewisham", "South East", "Lewisham", "24_7"),
    ("Plumstead", "South East", "Greenwich", "24_7"),
    ("Bexleyheath", "South East", "Bexley", "24_7"),
    ("Croydon", "South", "Croydon", "24_7"),
    ("Bromley", "South", "Bromley", "24_7"),
    ("Sutton", "South", "Sutton", "24_7"),
    ("Kingston", "South West", "Kingston and Merton", "24_7"),
    ("Acton", "West", "Ealing", "24_7"),
    ("Heathrow", "West", "Hillingdon", "24_7"),
    ("West End Central", "Central West", "Westminster", "contingency"),
    ("Belgravia", "Central West", "Westminster", "contingency"),
    ("Hillingdon", "West", "Hillingdon", "contingency"),
    ("Barking", "East", "Barking and Dagenham", "contingency"),
    ("Forest Gate", "North East", "Newham", "contingency"),
    ("Wimbledon", "South West", "Kingston and Merton", "contingency"),
]

# One login per role, printed by `make run`.
LOGINS = [
    ("icv", "icv@example.org", "Alex Morgan", "demo-visitor-pass"),
    ("custody_team", "custody@example.org", "Jordan Ellis", "demo-custody-pass"),
    ("coordinator", "coordinator@example.org", "Morgan Reid", "demo-coordinator-pass"),
    ("admin", "admin@example.org", "Sam Taylor", "demo-admin-pass"),
]
OTHER_VISITORS = ["Priya Shah", "Tom Okafor", "Grace Adeyemi", "Daniel Cohen", "Fatima Hussain",
                  "Liam O'Brien", "Mei Chen", "Kwame Mensah", "Sofia Rossi", "Hannah Wright",
                  "Yusuf Ali", "Chloe Martin", "Ravi Patel", "Ellen Burke"]
WEEKS = 5
# Before those weeks, a year of thinner history by the other visitors (each 24/7 suite visited
# in about HISTORY_SHARE of the weeks), so a summary can compare a period with the one before and
# with a year earlier, and some suites fall below their weekly target.
HISTORY_WEEKS = 44  # with the recent weeks, within the year a report can still be corrected
HISTORY_SHARE = 0.3


def load(db, rng):
    """Insert suites, panels, accounts and visits; returns the number of visits."""
    panel_ids, suite_ids = {}, {}
    for name, bcu, panel, status in SUITES:
        if panel not in panel_ids:
            panel_ids[panel] = db["panels"].insert({"name": panel, "bcu": bcu,
                                                    "created_at": now_iso()}).last_pk
        suite_ids[name] = db["suites"].insert({"name": name, "bcu": bcu, "status": status,
                                               "cell_count": rng.randint(12, 40),
                                               "created_at": now_iso()}).last_pk
        db["panel_suites"].insert({"panel_id": panel_ids[panel], "suite_id": suite_ids[name]})

    users = {}
    for role, email, name, password in LOGINS:
        users[email] = db["users"].insert({
            "email": email, "display_name": name, "role": role,
            "password_hash": generate_password_hash(password),
            "created_at": now_iso(), "updated_at": now_iso(), "password_set_at": now_iso()}).last_pk
        if role == "icv":
            db["user_panels"].insert({"user_id": users[email], "panel_id": panel_ids["Lambeth"]})
    visitor_hash = db["users"].get(users["icv@example.org"])["password_hash"]
    visitors = [users["icv@example.org"]]
    for i, name in enumerate(OTHER_VISITORS):
        email = name.lower().replace(" ", ".").replace("'", "") + "@example.org"
        visitors.append(db["users"].insert({
            "email": email, "display_name": name, "role": "icv", "password_hash": visitor_hash,
            "created_at": now_iso(), "updated_at": now_iso(), "password_set_at": now_iso()}).last_pk)
        db["user_panels"].insert({"user_id": visitors[-1], "panel_id": list(panel_ids.values())[i % len(panel_ids)]})

    count = 0
    today = london_today()
    for name, _, _, status in SUITES:
        if status != "24_7":
            continue
        for week in range(WEEKS):
            day = today - timedelta(days=week * 7 + rng.randint(1, 7))
            # The demo ICV and their partner visit Brixton and Walworth every week.
            pair = visitors[:2] if name in ("Brixton", "Walworth") else rng.sample(visitors[1:], 2)
            alone = rng.random() < 0.06
            user_id, report, submitted = visit_report(rng, suite_ids[name], pair, alone, day)
            record_visit(db, user_id, report, submitted_at=submitted, **rulebook.built_in())
            count += 1
    # Its own random stream, seeded from the demo's without drawing from it: the recent weeks,
    # the escalations' work and the reviews come out as they always have.
    count += history(db, random.Random(repr(rng.getstate())), suite_ids, visitors[2:], today)
    # The custody team's work on the escalations (icv/escalations/demo.py).
    escalations_demo.work(db, random.Random(rng.random()),
                          db["users"].get(users["custody@example.org"])["password_hash"])
    reviews_demo.load(db)  # custody record reviews (icv/reviews/demo.py)
    return count


def history(db, rng, suite_ids, visitors, today):
    """The year before the recent weeks: visits by pairs of `visitors` (never the demo ICV, so
    My reports stays as it was) on random days; returns how many."""
    count = 0
    recent = today - timedelta(days=WEEKS * 7 + 7)
    for name, _, _, status in SUITES:
        if status != "24_7":
            continue
        for week in range(HISTORY_WEEKS):
            if rng.random() < HISTORY_SHARE:
                day = recent - timedelta(days=week * 7 + rng.randint(1, 7))
                user_id, report, submitted = visit_report(
                    rng, suite_ids[name], rng.sample(visitors, 2), rng.random() < 0.06, day)
                record_visit(db, user_id, report, submitted_at=submitted, **rulebook.built_in())
                count += 1
    return count


def visit_report(rng, suite_id, pair, alone, day):
    """A plausible visit report on a London day: (author id, report, submitted time).

    Its numbers pass the report form's cross-checks, so a demo report can be corrected."""
    start = time(rng.randint(8, 21), rng.choice([0, 10, 15, 20, 30, 40, 45, 50]))
    arrived = london_to_utc(day, start)
    delay = rng.choice([2, 3, 5, 5, 8, 12, 25, 2, 3, 5, 8, 40])  # 40: over the AC1 wait
    departed = arrived + timedelta(minutes=delay + rng.randint(40, 120))
    in_custody = rng.randint(3, 18)
    numbers = rng.sample(range(10000, 100000), rng.randint(0, 3))
    entries = [detainee_entry(rng, day, number) for number in numbers]
    # Room is kept for the entries that declined or were only observed: their counts can never
    # come out below the entries that say so (the form's cross-check).
    must_decline = sum(e["consent"] == "declined" for e in entries)
    must_observe = sum(e["consent"] == "observed_only" for e in entries)
    spoke = max(sum(e["consent"] == "yes" for e in entries),
                min(rng.randint(0, in_custody // 2), in_custody - must_decline - must_observe))
    declined = min(in_custody - spoke - must_observe, max(must_decline, rng.randint(0, 2)))
    observed = min(in_custody - spoke - declined, max(must_observe, rng.randint(0, 2)))
    not_seen = in_custody - spoke - declined - observed
    reasons = {f"not_seen_{r}": 0 for r, _ in q.NOT_SEEN_REASONS}
    for _ in range(not_seen):
        reasons[f"not_seen_{rng.choice(['asleep', 'asleep', 'interview', 'with_professional', 'booking_or_release', 'unfit'])}"] += 1
    children = max(sum(e["age_band"] in codes.CHILD_AGE_BANDS for e in entries), rng.randint(0, 1))
    counts = {"in_custody": in_custody, "spoke_with": spoke, "observed_only": observed, "declined": declined,
              "not_seen": not_seen, "offered": spoke + declined, "children": min(children, in_custody),
              "women": rng.randint(0, in_custody // 4), "aa_required": min(children + rng.randint(0, 1), in_custody),
              "vulnerable_adults": rng.randint(0, 2) if in_custody > 4 else 0,
              "interpreter_needed": rng.randint(0, 2) if in_custody > 4 else 0,
              "at_hospital": rng.randint(0, 1) if in_custody > 6 else 0,
              "cells_in_use": in_custody, "cells_out_of_order": rng.randint(0, 3), **reasons}
    facilities = {item: {"status": rng.choices(["ok", "concern", "not_checked"], [80, 6, 14])[0], "note": ""}
                  for item, _ in q.FACILITY_ITEMS}
    for item, check in facilities.items():
        if check["status"] == "concern":
            check["note"] = rng.choice(["Not working on the day", "Stock had run out", "Dirty; raised with staff"])
    issues = [{"category": "cell_conditions", "description": "No toilet paper in two occupied cells.",
               "raised_with": "Custody sergeant", "resolved_at_visit": "yes"}] if rng.random() < 0.3 else []
    submitted = min(departed + timedelta(minutes=rng.randint(5, 90)), utcnow())
    return pair[0], {
        "client_id": str(uuid.UUID(int=rng.getrandbits(128))), "suite_id": suite_id,
        "partner_id": None if alone else pair[1], "visit_type": "routine",
        "single_visitor_reason": "My partner was unwell on the day." if alone else "",
        "arrived_at": to_iso(arrived), "admitted_at": to_iso(arrived + timedelta(minutes=delay)),
        "departed_at": to_iso(departed),
        "admission_delay_reason": "Suite was busy booking in; we waited in reception." if delay > 10 else "",
        "custody_officer": f"PS {rng.randint(1000, 9999)}", "in_custody": in_custody, "spoke_with": spoke,
        "counts": counts, "entries": entries, "facilities": facilities, "issues": issues,
        "good_practice": "Staff knew every detainee's needs." if rng.random() < 0.2 else "",
    }, to_iso(submitted)


def detainee_entry(rng, day, number):
    """One detainee entry with occasional strip search, use of force and child flags."""
    child = rng.random() < 0.12
    age_band = rng.choice(["14-15", "16-17"] if child else
                          ["18-20", "21-24", "25-34", "25-34", "35-44", "45-54", "55-64"])
    raised = {}
    if child:
        raised["child"] = random_answers(rng, flags.CHILD, calm=0.6)
    if rng.random() < (0.35 if child else 0.12):
        raised["strip_search"] = random_answers(rng, flags.STRIP_SEARCH, calm=0.6 if child else 0.75)
    if rng.random() < 0.12:
        raised["use_of_force"] = random_answers(rng, flags.USE_OF_FORCE, calm=0.75)
    return {
        "consent": rng.choices(["yes", "declined", "observed_only"], [80, 10, 10])[0],
        "checks": {"told_rights": "yes", "written_notice": rng.choice(["yes"] * 9 + ["no"]),
                   "food_offered": "yes", "drink_offered": "yes"},
        "custody_record_no": f"01{rng.choice('BCDEGHJKLMNPRSTWXZ')}{rng.choice('ABCDEFX')}/"
                             f"{number}/{day:%y}",
        "age_band": age_band,
        "gender": rng.choices(["male", "female", "non_binary", "not_stated"], [80, 17, 1, 2])[0],
        "ethnicity": rng.choice(codes.ETHNICITY_CHOICES)[0],
        "flags": raised,
    }


# The answer a well-run suite would give: the demo mostly picks it, sometimes not.
GOOD = {"aa_present": "yes", "orifice_contact": "no", "inspector_authorised": "yes",
        "conducted_by_hcp": "yes", "written_consent": "yes", "no_aa_reason": "urgent_risk", "searcher_same_sex": "yes",
        "reason_recorded": "yes", "intimate_parts_exposed": "yes", "spit_guard": "no",
        "limb_restraints": "no", "handcuffed_in_cell": "no", "detainee_injury": "none",
        "hcp_seen": "yes", "allegation": "no", "recorded_on_custody_record": "yes",
        "aa_status": "present", "held_in": "juvenile_room", "sharing_with_adult": "no",
        "expected_overnight": "no", "opposite_sex_present": "no", "aa_signed_record": "yes",
        "parent_informed": "yes", "safeguarding_referral": "yes", "taser": "no",
        "cell_reason_recorded": "yes", "woman_responsible": "yes", "charged": "yes",
        "mha_s136": "no"}


def random_answers(rng, flag, calm):
    """Answers to a flag's relevant questions, the good answer with probability `calm`."""
    answers = {}
    for question in flag.questions:
        if not all(answers.get(n) in codes_ for n, codes_ in question.only_if.items()):
            continue
        if question.minutes:  # a spit guard or restraint time: now and then over the UF3 limit
            answers[question.name] = rng.choice([5, 10, 10, 20])
            continue
        good = GOOD.get(question.name)
        sure = max(calm, 0.9) if question.optional else calm  # the questions added for rules: rarer
        answers[question.name] = (good if good and rng.random() < sure
                                  else rng.choice(question.choices)[0])
    return answers


def print_logins():
    """Print the demo sign-ins, one per role."""
    click.echo("\nDemo sign-ins (development only):")
    for role, email, _, password in LOGINS:
        click.echo(f"  {role:<13} {email:<26} password: {password}")
    click.echo("  Other demo visitors sign in with the ICV password, and aisha.khan@ and")
    click.echo("  ben.carter@example.org (custody team) with the custody password. The ICV above")
    click.echo("  reviews custody records; tom.okafor@example.org's vetting has expired.\n")


@click.command("load-demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed for repeatable data.")
def load_demo_command(seed):
    """Load demo data into an empty database and print the demo sign-ins (debug mode only)."""
    if not (current_app.debug or current_app.testing):
        raise click.ClickException(
            "Demo data loads only in development: run `flask --debug load-demo`. "
            "It never loads in production configuration.")
    db = get_db()
    if "users" not in db.table_names():
        raise click.ClickException("The database has no schema yet: run `flask migrate` first.")
    if db["users"].count:
        click.echo("The database already has accounts, so no demo data was added.")
    else:
        visits = load(db, random.Random(seed))
        click.echo(f"Loaded demo data: {len(SUITES)} suites, {visits} visits.")
    if db["users"].count_where("email = ?", [LOGINS[0][1]]):
        print_logins()


def init_app(app):
    """Register the demo command."""
    app.cli.add_command(load_demo_command)
