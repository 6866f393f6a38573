"""Charts drawn on the server as inline SVG: no JavaScript, readable at phone width and in print.

A chart is a horizontal bar chart of a Table's rows: each row's label on a line of its own, its
bar (one thin bar a series) under the label and the figure written at the end of each bar, so
that neither colour nor the scale is needed to read it, in black and white too. The drawing is
320 units wide with 14-unit text: at a 360 px phone it is drawn at about that size, and it
scales up on wider screens. A cell that is not a number ("<5", "[c]", no figure) has no bar:
its text is written where the bar would start. The numbers are in the table the page shows
after the chart, so the chart's own description is the only other place they are given.
"""
from markupsafe import Markup, escape

from .formatting import cell_text

WIDTH = 320  # the drawing's width, in its own units (about CSS px at phone width)
LABEL = 14  # text size of row labels and the legend
VALUE = 13  # text size of the figures at the end of the bars
CHAR = 7.5  # a generous width of one character of a figure, to keep room for the longest
GAP = 4  # between a bar's end and its figure
LONGEST_LABEL = 44  # characters of a row label that fit the width; longer ones are cut
# Colours with at least 4.5:1 contrast on white (so white marks on them read too), told apart
# by people with the common colour vision deficiencies (blue and orange first).
COLOURS = ("#1d70b8", "#c25000", "#505a5f", "#912b88", "#00703c")
INK = "#0b0c0c"


def render(table):
    """The chart of a table (which has `chart` set) as a <figure> holding an SVG, or nothing."""
    chart = table.chart
    if not chart or not table.rows:
        return Markup("")
    series = [table.column(key) for key in chart.series]
    label_key = table.columns[0].key
    ident = escape(f"chart-{table.key}")
    title = chart.title or table.title
    description = chart.description or described(table, series, label_key)
    plot = plot_width(table, series)
    scale = scale_end(table, series, chart.max_value)
    bar = 16 if len(series) == 1 else 12
    texts, figures, bars = [], [], {c.key: [] for c in series}
    y = legend(series, texts, bars)
    for i, row in enumerate(table.rows):
        over = next((table.marked(i, c.key) for c in series if table.marked(i, c.key)), "")
        y += LABEL
        texts.append(row_label(row.get(label_key), over, y))
        y += 6
        for column in series:
            figures.append(bar_for(row.get(column.key), column, y, bar, plot, scale, bars))
            y += bar + 2
        y += 10
    if chart.max_value is not None:
        texts.append(f'<path d="M{plot} 0V{y}" stroke="#b1b4b6" stroke-dasharray="2 3"/>')
    parts = [f'<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" '
             f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {WIDTH} {y}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{ident}-title">{escape(title)}</title>',
             f'<desc id="{ident}-desc">{escape(description)}</desc>']
    for colour, column in zip(COLOURS * len(series), series):
        parts.append(f'<g fill="{colour}">{"".join(bars[column.key])}</g>')
    parts.append(f'<g fill="{INK}" font-size="{LABEL}">{"".join(texts)}'
                 f'<g font-size="{VALUE}">{"".join(figures)}</g></g>')
    caption = f"{chart.description} " if chart.description else ""
    parts.append(f"</svg><figcaption>{escape(caption)}The numbers are in the table below."
                 f"</figcaption></figure>")
    return Markup("".join(parts))


def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def plot_width(table, series):
    """The width the longest bar may take: the drawing's width less room for the longest
    figure written after it."""
    longest = max((len(cell_text(r.get(c.key), c)) for r in table.rows for c in series), default=0)
    return round(WIDTH - GAP - longest * CHAR)


def scale_end(table, series, max_value):
    """The value a full-width bar stands for: the chart's max_value, else the largest figure."""
    if max_value:
        return max_value
    values = [r.get(c.key) for r in table.rows for c in series if is_number(r.get(c.key))]
    return max(values, default=0) or 1


def legend(series, texts, bars):
    """Draw a key to the colours when there is more than one series; returns the height used."""
    if len(series) == 1:
        return 0
    y = 0
    for column in series:
        bars[column.key].append(f'<rect y="{y + 3}" width="12" height="12"/>')
        texts.append(f'<text x="18" y="{y + LABEL}">{escape(column.label)}</text>')
        y += 20
    return y + 6


def row_label(label, over, y):
    """A row's label on its own line; bold and marked (`over`: the words, e.g. "below target")
    when a figure is past a threshold."""
    text = str(label if label is not None else "")
    if len(text) > LONGEST_LABEL:
        text = text[:LONGEST_LABEL - 1] + "…"
    if over:
        return (f'<text x="0" y="{y}" font-weight="bold">{escape(text)} '
                f'<tspan font-weight="normal">({escape(over)})</tspan></text>')
    return f'<text x="0" y="{y}">{escape(text)}</text>'


def bar_for(value, column, y, height, plot, scale, bars):
    """Add one bar (none for a cell that is not a number) to `bars` and return the text of its
    figure, written after the bar's end."""
    width = 0
    if is_number(value) and value > 0:
        width = round(plot * min(value, scale) / scale, 1)
        bars[column.key].append(f'<rect y="{y}" width="{width:g}" height="{height}"/>')
    return (f'<text x="{width + GAP:g}" y="{y + height - 2}">'
            f'{escape(cell_text(value, column))}</text>')


def described(table, series, label_key):
    """The chart in words, from its figures: "Bar chart of Visits by suite: Brixton 3, ..."."""
    names = " and ".join(c.label for c in series)
    by = table.columns[0].label.lower()
    if len(series) == 1:
        items = [f"{r.get(label_key)} {cell_text(r.get(series[0].key), series[0])}"
                 for r in table.rows]
        return f"Bar chart of {names} by {by}: {', '.join(items)}."
    items = [f"{r.get(label_key)}: " + ", ".join(f"{c.label} {cell_text(r.get(c.key), c)}"
                                                 for c in series) for r in table.rows]
    return f"Bar chart of {names} by {by}: {'; '.join(items)}."
