"""Personal details in free text, and the shape of custody record numbers: the checks as data.

Reports identify detainees by custody record number only: never a name, a date of birth, an
address or what they are accused of (domain.md 1 and 2.6). Every free-text box of the app is
checked with RULES (icv/forms.py check_free_text, on "Continue", submit or record; a draft
keeps whatever was typed). A rule either REFUSES (never legitimate in a report: the box must be
changed) or WARNS (may be legitimate: the person ticks "I have checked" next to the box).

What is refused, and why:
- a date of birth: "DOB", "d.o.b.", "date of birth", "born" or "birthday" next to a date or a
  year ("DOB 01/02/1990", "born 1 Feb 1990", "d.o.b. 1.2.90");
- a full date in a year no report or record can be about: 1900 to 2009 ("01/02/1990",
  "3 March 1985", "01/02/90"). Reports are made within a year of the visit and records are at
  most a year old, so such a date is almost surely someone's birth date;
- a UK postcode, a UK phone number, an email address;
- a name: a capitalised word after a title or a police rank (Mr, Mrs, Ms, Miss, Mx, Dr, PC,
  PS, Sgt, Insp...: "Mr Smith", "Sgt Jones"; not "Seen by Dr on duty" or "PS 1234") or after "name is", "named", "called" or "known as" (not "called
  Healthcare": NOT_NAMES are the words of custody that follow "called" and are no one's name).

Dates in general are allowed: "on 3 March", "since 12/11/2026" or "from 14:30" say when
something happened at the suite, which a report needs. Only a date with a birth word, or in a
year that can only be a birth year, is refused. A child's date of birth written without a birth
word ("12/03/2012") is not caught: no pattern tells it from a date the report needs, which is
why training still matters (docs/security.md).

Offence words ("arrested for", "charged with", "burglary", "GBH"...) WARN: ICVs never record
what a detainee is accused of, but "assault" or "robbery" may be about something else (an
officer assaulted at the desk, a property store robbed), so the ICV confirms.

Installations change them with settings (create_app, README "Settings"), checked once at start
by settings_from: PRIVACY_OFFENCE_WORDS (the offence words, replacing OFFENCE_WORDS),
PRIVACY_RULES_OFF (names of built-in rules to turn off), PRIVACY_RULES_EXTRA (more rules, as
{"name", "pattern", "action": "refuse" or "warn", "message"}), CUSTODY_RECORD_FORMAT and
REDACTED_REF_FORMAT (RecordFormat's fields, for custody record numbers and review references).

No Flask here: the forms get a Settings passed in (WTForms meta "privacy").
"""
import re
from dataclasses import dataclass, field

REFUSE, WARN = "refuse", "warn"
WHY = "reports must not identify detainees"

MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
DAY = r"(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?"
# A date written as numbers or with a month's name; a year alone counts after a birth word.
NUMERIC_DATE = r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})"
WORDED_DATE = (rf"{DAY}\s+(?:of\s+)?{MONTHS}\.?(?:,?\s+[0-9]{{2,4}})?"
               rf"|{MONTHS}\.?\s+{DAY}(?:,?\s+[0-9]{{2,4}})?")
ANY_DATE = rf"(?:{NUMERIC_DATE}|{WORDED_DATE}|(?:19|20)[0-9]{{2}})"
BIRTH_WORDS = r"(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|born(?:\s+on|\s+in)?|birthday(?:\s+is)?)"
# 1900 to 2009, or two figures read as 1930-1999 or 2000-2009.
BIRTH_YEAR = r"(?:19[0-9]{2}|200[0-9]|[3-9][0-9]|0[0-9])"
OLD_DATE = (rf"\b(?:[0-9]{{1,2}}[/.\-][0-9]{{1,2}}[/.\-]{BIRTH_YEAR}"
            rf"|(?:{DAY}\s+(?:of\s+)?{MONTHS}\.?|{MONTHS}\.?\s+{DAY}),?\s+(?:19[0-9]{{2}}|200[0-9]))(?![0-9/])")
# A UK postcode (outward code, a space or none, inward code); not "B2 3rd".
POSTCODE = (r"\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][A-HJKPSTUW0-9]?\s?[0-9]"
            r"(?!(?:st|nd|rd|th)\b)[ABD-HJLNP-UW-Z]{2})\b")
# A UK phone number: 0 or +44, then 9 or 10 more figures, spaced or not.
PHONE = r"(?<![0-9/])(?:\+\s?44\s?(?:\(0\)\s?)?|\b0)(?:[0-9][\s\-]?){8,9}[0-9]\b"
EMAIL = r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b"
# Words of custody that follow "called" and are no one's name ("called Healthcare back").
NOT_NAMES = ("Healthcare", "Health", "Control", "Custody", "Duty", "Inspector", "Sergeant", "Police",
             "Mental", "Liaison", "Reception", "Security", "Emergency", "Ambulance", "Doctor", "Nurse",
             "Interpreter", "Solicitor", "Appropriate", "Social", "Services", "Language", "Line", "Team",
             "The", "This", "That", "It", "Back", "Out", "Over", "For", "To", "In", "On", "At", "Again",
             "London", "Metropolitan", "Met", "Street", "Cell", "Detention", "Drug", "Mind", "Samaritans")
NOT_A_NAME = rf"(?!(?:{'|'.join(NOT_NAMES)})\b)"
# A title or a police rank, then a capitalised word: "Mr Smith", "Sgt Jones", "PC Brown" (not
# "PC 1234", "Seen by Dr on duty" or "Sergeant Custody").
TITLE_NAME = (r"\b(?:[Mm][Rr][Ss]?|[Mm][Ss]|M[Ii][Ss][Ss]|MISS|[Mm][Xx]|[Dd][Rr]|PC|PS|DC|DS|DI|"
              r"S[Gg][Tt]|I[Nn][Ss][Pp]|Inspector|Sergeant|Constable)\.?\s+" + NOT_A_NAME + r"[A-Z][a-z'\-]+")
NAMED = (r"\b(?i:(?:his|her|their|the\s+detainee'?s|detainee'?s)\s+name\s+(?:is|was)|name\s+is|named|called|known\s+as)"
         r"\s+" + NOT_A_NAME + r"[A-Z][a-z'\-]+")
OFFENCE_WORDS = (
    "arrested for", "arrested on suspicion", "on suspicion of", "suspected of", "accused of", "charged with",
    "burglary", "robbery", "theft", "shoplifting", "assault", "GBH", "ABH", "grievous bodily harm",
    "actual bodily harm", "wounding", "rape", "sexual assault", "sexual offence", "indecent exposure",
    "murder", "manslaughter", "attempted murder", "possession with intent", "intent to supply",
    "drug dealing", "dealing drugs", "drink driving", "drink-driving", "drunk driving", "fraud", "arson",
    "criminal damage", "affray", "kidnap", "kidnapping", "harassment", "stalking", "carrying a knife",
    "knife crime", "firearms offence", "domestic abuse", "domestic violence", "breach of bail",
)


@dataclass(frozen=True)
class Rule:
    """One check: `pattern` found in a box either refuses the text or warns about it. `message`
    may use {label} (the box's label) and {found} (the words found)."""
    name: str
    pattern: re.Pattern
    action: str
    message: str


@dataclass(frozen=True)
class Finding:
    rule: Rule
    found: str

    @property
    def refused(self):
        return self.rule.action == REFUSE

    def message(self, label):
        return self.rule.message.format(label=label, found=self.found)


def rule(name, pattern, action, message, flags=re.IGNORECASE):
    return Rule(name, re.compile(pattern, flags), action, message)


def offence_rule(words):
    """The offence words as one warning rule (longest first, so "sexual assault" is named whole)."""
    words = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) or r"(?!)"
    return rule("offence", rf"\b(?:{alternatives})\b", WARN,
                "'{label}' says '{found}', which may be what a detainee is accused of. Reports never "
                "say that: remove it, or if it is about something else, tick 'I have checked' below")


RULES = (
    rule("date_of_birth", rf"\b{BIRTH_WORDS}[\s:,\-]*(?:was\s+|is\s+)?{ANY_DATE}",
         REFUSE, "Remove the date of birth ('{found}') from '{label}': " + WHY),
    rule("old_date", OLD_DATE, REFUSE,
         "Remove the date '{found}' from '{label}': it looks like a date of birth, and " + WHY),
    rule("postcode", POSTCODE, REFUSE, "Remove the postcode '{found}' from '{label}': " + WHY),
    rule("phone", PHONE, REFUSE, "Remove the phone number '{found}' from '{label}': " + WHY),
    rule("email", EMAIL, REFUSE, "Remove the email address '{found}' from '{label}': " + WHY),
    rule("title_name", TITLE_NAME, REFUSE,
         "Remove the name ('{found}') from '{label}': " + WHY + ". Give a role or rank instead, "
         "like 'the custody sergeant' or 'the healthcare professional'", flags=0),
    rule("named", NAMED, REFUSE,
         "Remove the name ('{found}') from '{label}': " + WHY + ". Use the custody record number "
         "in the detainee's entry instead", flags=0),
)

DEFAULT_RECORD_FORMAT = {
    # The Met's custody record number: station code (2 figures, 2 letters), the record's number,
    # the year: 01CX/12345/26. Typed with /, -, spaces or nothing between the parts; stored with /.
    "pattern": r"(?P<station>[0-9]{2}[A-Z]{2})[/ \-]?(?P<number>[0-9]{5,6})[/ \-]?(?P<year>[0-9]{2})",
    "canonical": "{station}/{number}/{year}",
    "example": "01CX/12345/26",
    "shape": "2 numbers and 2 letters, then 5 or 6 numbers, then the year's last 2 numbers",
}


@dataclass(frozen=True)
class RecordFormat:
    """The shape of a reference: fullmatched on the text trimmed and upper-cased; `canonical`
    (a format of the pattern's named groups, or "" to keep the text as typed) is how it is stored;
    `example` and `shape` are shown when the text does not match."""
    pattern: re.Pattern
    example: str
    shape: str = ""
    canonical: str = ""

    def normalise(self, text):
        """The stored form of `text`, or None if it is not of this shape."""
        text = " ".join((text or "").split()).upper()
        match = self.pattern.fullmatch(text)
        if not match:
            return None
        return self.canonical.format(**match.groupdict()) if self.canonical else text

    def described(self):
        return f"like {self.example}" + (f" ({self.shape})" if self.shape else "")


def looks_like_a_name(text):
    """No figures at all, or three or more letters in a row with a vowel among them (a record
    number has two letters; a reference like "CRR-2026-0042" has no vowel): what a name, or a
    name run into a date ("SMITHJ010290", "Smith1990"), looks like. It only chooses the message."""
    if not any(c.isdigit() for c in text):
        return True
    return any(re.search(r"[aeiouy]", run, re.IGNORECASE) for run in re.findall(r"[^\W\d_]{3,}", text))


@dataclass(frozen=True)
class Settings:
    """What the forms check, as create_app made it from the settings (or the built-in ones)."""
    rules: tuple = RULES + (offence_rule(OFFENCE_WORDS),)
    record_number: RecordFormat = field(default_factory=lambda: record_format(DEFAULT_RECORD_FORMAT))
    redacted_ref: RecordFormat = None  # review references: a custody record number, or this

    def record_ref(self, text):
        """A review's record reference as stored, or None: a custody record number, or a
        redacted copy's own reference where the installation set its shape."""
        found = self.record_number.normalise(text)
        if found is None and self.redacted_ref is not None:
            found = self.redacted_ref.normalise(text)
        return found


def findings(text, rules):
    """What the rules find in `text`: refusals first, one finding per rule (its first match)."""
    if not text:
        return []
    found = []
    for r in rules:
        match = r.pattern.search(text)
        if match:
            found.append(Finding(r, " ".join(match.group(0).split())))
    return sorted(found, key=lambda f: not f.refused)


def record_format(given, name="CUSTODY_RECORD_FORMAT"):
    """A RecordFormat from a setting's dict (pattern, example, shape, canonical)."""
    unknown = set(given) - {"pattern", "example", "shape", "canonical"}
    if unknown or not given.get("pattern") or not given.get("example"):
        raise RuntimeError(f"{name} needs 'pattern' and 'example' (and may have 'shape' and "
                           f"'canonical'), not {sorted(unknown) or 'these'}")
    try:
        pattern = re.compile(given["pattern"])
        fmt = RecordFormat(pattern, given["example"], given.get("shape", ""), given.get("canonical", ""))
        stored = fmt.normalise(given["example"])
    except (re.error, KeyError, IndexError, ValueError) as e:
        raise RuntimeError(f"{name} is not right: {e}") from None
    if stored is None:
        raise RuntimeError(f"{name}: its example {given['example']!r} does not match its pattern")
    return fmt


def settings_from(config):
    """Settings from the app's config (create_app); a mistake stops the app at start."""
    words = config.get("PRIVACY_OFFENCE_WORDS")
    if words is not None and (isinstance(words, str) or not all(isinstance(w, str) for w in words)):
        raise RuntimeError("PRIVACY_OFFENCE_WORDS must be a list of words, like ['burglary', 'GBH']")
    off = set(config.get("PRIVACY_RULES_OFF") or ())
    known = {r.name for r in RULES} | {"offence"}
    if off - known:
        raise RuntimeError(f"PRIVACY_RULES_OFF: no rule called {sorted(off - known)}; the rules are {sorted(known)}")
    rules = [r for r in RULES + (offence_rule(OFFENCE_WORDS if words is None else words),) if r.name not in off]
    for extra in config.get("PRIVACY_RULES_EXTRA") or ():
        try:
            if extra["action"] not in (REFUSE, WARN):
                raise ValueError(f"action must be {REFUSE!r} or {WARN!r}")
            extra["message"].format(label="", found="")
            rules.append(rule(extra["name"], extra["pattern"], extra["action"], extra["message"]))
        except (KeyError, TypeError, ValueError, IndexError, re.error) as e:
            raise RuntimeError(f"PRIVACY_RULES_EXTRA: each rule needs name, pattern, action "
                               f"('refuse' or 'warn') and message: {e!r} in {extra!r}") from None
    record = config.get("CUSTODY_RECORD_FORMAT") or {}
    redacted = config.get("REDACTED_REF_FORMAT") or None
    return Settings(tuple(rules), record_format(record or DEFAULT_RECORD_FORMAT),
                    record_format(redacted, "REDACTED_REF_FORMAT") if redacted else None)


DEFAULT = Settings()
