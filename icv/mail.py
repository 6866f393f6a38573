"""Email, sent by SMTP (smtplib): invitations and password reset links.

Settings (instance/config.py or FLASK_MAIL_*): MAIL_SERVER, MAIL_PORT (default 587),
MAIL_USE_STARTTLS (default True), MAIL_USERNAME and MAIL_PASSWORD (both or neither), MAIL_FROM.
In debug mode with no MAIL_SERVER the message is printed to the console instead, so `make run`
needs no mail server. Anything else that stops a message going (no server configured, refused,
unreachable) raises MailError with a reason an admin can act on."""
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

TIMEOUT_SECONDS = 15  # a request waits for the mail server at most this long


class MailError(Exception):
    """The message was not sent; str() says why, in words for the admin."""


def message(config, to, subject, body):
    """The EmailMessage: plain text, from MAIL_FROM."""
    msg = EmailMessage()
    msg["From"] = config.get("MAIL_FROM") or "no-reply@localhost"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=(msg["From"].rsplit("@", 1)[-1].strip("> ") or "localhost"))
    msg.set_content(body)
    return msg


def send(config, to, subject, body, debug=False):
    """Send one plain-text message to `to` with the app's mail settings (`config`)."""
    msg = message(config, to, subject, body)
    server = config.get("MAIL_SERVER")
    if not server:
        if debug:
            # As a person reads it, not as it travels (quoted-printable would break the link).
            print(f"--- Email (no MAIL_SERVER set, so printed here) ---\nTo: {to}\nSubject: {subject}"
                  f"\n\n{body}\n--- end ---", file=sys.stderr, flush=True)
            return
        raise MailError("No mail server is set up (MAIL_SERVER), so no email can be sent.")
    port = int(config.get("MAIL_PORT") or 587)
    try:
        with smtplib.SMTP(server, port, timeout=TIMEOUT_SECONDS) as smtp:
            if config.get("MAIL_USE_STARTTLS", True):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused:
        raise MailError(f"The mail server refused the address {to}.") from None
    except smtplib.SMTPAuthenticationError:
        raise MailError("The mail server did not accept the user name and password "
                        "(MAIL_USERNAME, MAIL_PASSWORD).") from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"The mail server {server}:{port} could not be reached or refused the "
                        f"message ({error.__class__.__name__}: {error}).") from None
