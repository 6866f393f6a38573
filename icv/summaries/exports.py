"""The files behind the summary: one tidy CSV per entity (visits, detainee entries, flags,
issues, escalations, custody record reviews), the summary's tables as one long CSV, and the
XLSX workbook (the summary sheet, then one sheet per entity for staff).

Each file is written row by row from the query cursor into a temporary file on disk, never
held whole in memory, and is sent only once it is complete: a query that fails part-way is an
error page, never a short file (export_views.py).

The entities' rows are entity_rows.py's (what they hold and leave out is said there); the
published edition is the summary's tables after suppression only.
"""
import csv
import io
import tempfile

import xlsxwriter
from flask import Response

from .entity_rows import london_time

# Text a spreadsheet would run as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return "" if value is None else value


def csv_response(filename, header, rows):
    """A small CSV (the admin's audit search) as one download with its Content-Length: written
    out before anything is sent, so a failure is an error page, not half a file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    body = buffer.getvalue().encode()
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Length": str(len(body))})


# The summary as rows: Section, Table, Row, Column, Value -------------------------------------

SUMMARY_HEADER = ["Section", "Table", "Row", "Column", "Value"]
DECIMALS = {"percent": 1, "ratio": 2, "number": 1}


def plain_value(value, column):
    """A summary cell for a file: counts and changes as whole numbers, shares to 0.1, ratios to
    0.01 and measures to 0.1 (no separators or units: the column says the unit); a cell the
    published edition withholds ("<5", "[c]") and text as they are; blank for no figure."""
    if value is None or isinstance(value, str):
        return value
    if column.kind in DECIMALS:
        return round(float(value), DECIMALS[column.kind])
    return value


def column_name(column):
    """A column's label, with its unit when it has one: 'Median delay (minutes)'."""
    if column.unit and column.unit not in column.label:
        return f"{column.label} ({column.unit})"
    return column.label


def table_rows(table):
    """(row label, row) of each row of a table, then its total row."""
    label = next((c.key for c in table.columns if c.kind == "label"), None)
    for row in table.rows:
        yield (row.get(label) if label else ""), row
    if table.total:
        yield (table.total.get(label) if label else None) or "Total", table.total


def summary_long_rows(summary):
    """Every figure of the summary as one row: Section, Table, Row, Column, Value."""
    for section in summary.sections:
        for table in section.tables:
            values = [c for c in table.columns if c.kind != "label"]
            for name, row in table_rows(table):
                for column in values:
                    yield [section.title, table.title, name, column_name(column),
                           plain_value(row.get(column.key), column)]


def summary_heading(summary):
    """The lines above the figures: what, where, when made, which edition."""
    lines = [f"ICV summary: {summary.area.label}, {summary.period.label}",
             f"Made {london_time(summary.made_at)} (London) from the reports sent by then."]
    if not summary.complete:
        lines.append(f"{summary.period.label} had not ended: these figures will change.")
    if summary.edition == "published":
        below = summary.settings.get("suppress_below", 5)
        lines.append(f"Published figures: counts from 1 to {below - 1} are shown as <{below}, and "
                     "[c] marks a figure withheld so that a small one cannot be worked out.")
    else:
        lines.append("NOT FOR PUBLICATION: staff figures, exact, including small numbers.")
    return lines


# Writing files ----------------------------------------------------------------------------------

def write_csv(out, header, rows):
    """Write a CSV (UTF-8) into the binary file `out`, row by row."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    guard = FORMULA_STARTS
    for row in rows:
        writer.writerow(["'" + v if v.__class__ is str and v[:1] in guard else v for v in row])
    text.flush()
    text.detach()


def csv_file(header, rows):
    """A complete CSV in a temporary file, rewound: the caller sends and closes it."""
    out = tempfile.TemporaryFile()
    try:
        write_csv(out, header, rows)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


XLSX_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


def write_row(sheet, row_number, row, text_format=None):
    """Write a row cell by cell: text as text (a leading = + - @ tab or CR quoted with '),
    numbers as numbers, nothing for none."""
    write_string, write_number = sheet.write_string, sheet.write_number
    guard = FORMULA_STARTS
    for col, value in enumerate(row):
        if value is None or value == "":
            continue
        if value.__class__ is str:
            write_string(row_number, col, "'" + value if value[:1] in guard else value, text_format)
        else:
            write_number(row_number, col, value)


def write_summary_sheet(book, summary):
    """The summary sheet: the heading lines, then each section's tables one under another,
    each with its title, column labels, rows and total row."""
    sheet = book.add_worksheet("Summary")
    bold = book.add_format({"bold": True})
    big = book.add_format({"bold": True, "font_size": 14})
    formats = {"percent": book.add_format({"num_format": "0.0"}),
               "ratio": book.add_format({"num_format": "0.00"}),
               "number": book.add_format({"num_format": "#,##0.0"}),
               "count": book.add_format({"num_format": "#,##0"}),
               "change": book.add_format({"num_format": "+#,##0;-#,##0;0"})}
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 12, 16)
    n = 0
    for i, line in enumerate(summary_heading(summary)):
        sheet.write_string(n, 0, line, big if i == 0 else bold if "PUBLICATION" in line else None)
        n += 1
    for section in summary.sections:
        n += 1
        sheet.write_string(n, 0, section.title, big)
        n += 1
        for table in section.tables:
            n = write_table(sheet, n, table, bold, formats)
        if not section.tables:
            sheet.write_string(n, 0, "No figures for this yet.")
            n += 1
    return sheet


def write_table(sheet, n, table, bold, formats):
    """One summary table from row n; returns the next free row."""
    sheet.write_string(n, 0, table.title, bold)
    n += 1
    if table.description:
        sheet.write_string(n, 0, table.description)
        n += 1
    for col, column in enumerate(table.columns):
        sheet.write_string(n, col, column_name(column), bold)
    n += 1
    rows = list(table.rows) + ([table.total] if table.total else [])
    if not rows:
        sheet.write_string(n, 0, table.empty)
        n += 1
    for row in rows:
        for col, column in enumerate(table.columns):
            value = row.get(column.key)
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(n, col, "'" + value if value[:1] in FORMULA_STARTS else value,
                                   bold if row is table.total else None)
            else:
                sheet.write_number(n, col, value, formats.get(column.kind))
        n += 1
    for note in table.notes:
        sheet.write_string(n, 0, note)
        n += 1
    return n + 1


def xlsx_file(summary, entities):
    """The workbook in a temporary file, rewound: the summary sheet, then one sheet for each
    (sheet name, header, rows) in `entities` (none for the published edition)."""
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")
    try:
        # XlsxWriter keeps each sheet's rows in a file of its own until close() puts the
        # workbook together; they go in a directory of ours, removed however the build ends.
        with tempfile.TemporaryDirectory(prefix="icv-xlsx-") as scratch:
            book = xlsxwriter.Workbook(out.name, {**XLSX_OPTIONS, "tmpdir": scratch})
            try:
                write_book(book, summary, entities)
            except BaseException:
                abandon(book)
                raise
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def write_book(book, summary, entities):
    bold = book.add_format({"bold": True})
    write_summary_sheet(book, summary)
    for name, header, rows in entities:
        sheet = book.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        write_row(sheet, 0, header, bold)
        for n, row in enumerate(rows, start=1):
            write_row(sheet, n, row)
    book.close()  # writes the file: only a workbook built to the end is ever sent


def abandon(book):
    """Close the row files of a workbook that failed part-way (XlsxWriter closes them only
    in close(), which would write a half-built workbook)."""
    for sheet in book.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()
