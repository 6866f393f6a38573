"""The downloads behind the summary page, for coordinators and admins:

  /summaries/export/<entity>.csv?area=london&period=2026     one tidy CSV per entity (staff)
  /summaries/export/summary.csv?area=..&period=..&edition=staff|published
  /summaries/export/summary.xlsx?area=..&period=..&edition=staff|published

Each file is built completely in a temporary file before anything is sent, then sent with its
Content-Length: a failure while building is an error page and logs nothing; a connection cut
part-way is a failed download in the browser, never a short file that looks complete. Each
complete export is one audit entry naming the period, area, file and edition."""
from flask import Response, abort, request

from ..auth import COORDINATORS, role_required
from ..db import get_db
from ..times import london_today, now_iso, utcnow
from . import entity_rows, exports
from .figures import build_summary
from .periods import Period, area_from_key
from .publish import published
from .views import bp, logged, summary_settings

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EDITIONS = ("staff", "published")


def refused(message):
    """A 400 that says what was wrong with the address, as plain text."""
    abort(Response(message + "\n", 400, mimetype="text/plain"))


def chosen(db, editions=EDITIONS):
    """(area, period, edition) from the query string, or a 400 naming what is wrong."""
    area = area_from_key(db, request.args.get("area", ""))
    if area is None:
        refused("Choose an area: area=london, area=panel-<number> or area=suite-<number> "
                "(a panel or suite that exists).")
    period = Period.parse(request.args.get("period", ""))
    if period is None:
        refused("Choose a period: period=2026-11 (a month), 2026-Q4 (a quarter) or 2026 "
                "(a year), from 2000 to 2100.")
    edition = request.args.get("edition", "staff")
    if edition not in editions:
        refused("Choose an edition: " + " or ".join(f"edition={e}" for e in editions) + ".")
    return area, period, edition


def file_name(stem, area, period, edition, extension):
    """icv-visits-london-2025.csv, icv-summary-panel-3-2026-Q4.xlsx,
    icv-summary-published-london-2026-10.csv."""
    middle = "-published" if edition == "published" else ""
    return f"icv-{stem}{middle}-{area.key}-{period.key}.{extension}"


class FileBody:
    """A temporary file's bytes, a block at a time, as a response body. The file is closed (and
    so deleted) once it has all been read, or when the server closes the response early (a
    cut connection), or when the response is dropped unread."""
    BLOCK = 256 * 1024

    def __init__(self, out):
        self.out = out

    def __iter__(self):
        return self

    def __next__(self):
        block = self.out.read(self.BLOCK) if not self.out.closed else b""
        if not block:
            self.close()
            raise StopIteration
        return block

    def close(self):
        self.out.close()

    __del__ = close


def sent(db, out, filename, mimetype, period, area, edition):
    """Log the complete file and send it from disk with its length; the temporary file goes
    when the response is closed."""
    try:
        size = out.seek(0, 2)
        out.seek(0)
        logged(db, "export", period.key, area=area.key, file=filename, edition=edition)
    except BaseException:
        out.close()
        raise
    return Response(FileBody(out), mimetype=mimetype, direct_passthrough=True,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Content-Length": str(size)})


def summary_of(db, area, period, edition):
    """The summary (the published edition after suppression)."""
    settings = summary_settings()
    found = build_summary(db, area, period, settings, london_today(), now_iso())
    return published(found, settings) if edition == "published" else found


@bp.route("/export/summary.csv")
@role_required(*COORDINATORS)
def export_summary_csv():
    """The summary's tables as one long CSV: Section, Table, Row, Column, Value."""
    db = get_db()
    area, period, edition = chosen(db)
    found = summary_of(db, area, period, edition)
    out = exports.csv_file(exports.SUMMARY_HEADER, exports.summary_long_rows(found))
    return sent(db, out, file_name("summary", area, period, edition, "csv"), CSV, period, area,
                edition)


@bp.route("/export/summary.xlsx")
@role_required(*COORDINATORS)
def export_summary_xlsx():
    """The workbook: the summary sheet, then (staff edition only) one sheet per entity with
    the rows of its CSV. The published edition never holds a row about a person or visit."""
    db = get_db()
    area, period, edition = chosen(db)
    found = summary_of(db, area, period, edition)
    now = utcnow()
    sheets = [] if edition == "published" else [
        (sheet, header, rows(db, area, period, now))
        for sheet, header, rows in entity_rows.ENTITIES.values()]
    out = exports.xlsx_file(found, sheets)
    return sent(db, out, file_name("summary", area, period, edition, "xlsx"), XLSX, period, area,
                edition)


@bp.route("/export/<entity>.csv")
@role_required(*COORDINATORS)
def export_entity(entity):
    """One entity's rows for the area and period (staff only: not for publication)."""
    if entity not in entity_rows.ENTITIES:
        abort(404, "There is no such download. The files are visits, detainees, flags, issues, "
                   "escalations and reviews.")
    db = get_db()
    area, period, edition = chosen(db, editions=("staff",))
    _, header, rows = entity_rows.ENTITIES[entity]
    out = exports.csv_file(header, rows(db, area, period, utcnow()))
    return sent(db, out, file_name(entity, area, period, edition, "csv"), CSV, period, area,
                edition)
