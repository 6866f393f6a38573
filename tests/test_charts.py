"""Charts: inline SVG bar charts, well-formed, titled and described for screen readers, with bars
in proportion to the figures, no bar for a withheld figure, and every text escaped."""
import xml.etree.ElementTree as ET

from pytest import approx

from icv.summaries.charts import render
from icv.summaries.model import Chart, Column, Table

SVG = "{http://www.w3.org/2000/svg}"


def visits_table(rows, **chart):
    """Visits by suite, charted."""
    return Table("visits_by_suite", "Visits by suite",
                 [Column("suite", "Suite", "label"), Column("visits", "Visits"),
                  Column("seen", "Share seen (%)", "percent")],
                 [{"suite": name, "visits": visits, "seen": seen} for name, visits, seen in rows],
                 chart=Chart(**{"series": ("visits",), **chart}))


def parsed(table):
    """The <figure> element of the table's chart (parsing fails if it is not well-formed)."""
    return ET.fromstring(str(render(table)))


def bars(figure, colour=None):
    """{y: width} of the bars (of one colour's series if given)."""
    groups = [g for g in figure.iter(f"{SVG}g") if g.get("fill") != "#0b0c0c"]
    return [float(r.get("width")) for g in groups if colour in (None, g.get("fill"))
            for r in g.iter(f"{SVG}rect")]


def texts(figure):
    """Every text drawn, in order."""
    return ["".join(t.itertext()) for t in figure.iter(f"{SVG}text")]


def test_the_chart_is_an_svg_image_titled_and_described():
    """A figure holding an SVG with role img, labelled by its title and description (by ids made
    from the table's key), and a caption pointing to the table."""
    figure = parsed(visits_table([("Charing Cross", 12, 80.0), ("Brixton", 3, 50.0)]))
    assert figure.tag == "figure" and figure.get("class") == "chart"
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-visits_by_suite-title chart-visits_by_suite-desc"
    assert svg.get("width") == "100%"
    assert svg.get("viewBox").startswith("0 0 320 ")
    assert svg.get("preserveAspectRatio") == "xMinYMin meet"
    title = svg.find(f"{SVG}title")
    assert (title.get("id"), title.text) == ("chart-visits_by_suite-title", "Visits by suite")
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == "chart-visits_by_suite-desc"
    assert desc.text == "Bar chart of Visits by suite: Charing Cross 12, Brixton 3."
    assert figure.find("figcaption").text == "The numbers are in the table below."
    assert "<script" not in str(render(visits_table([("A", 1, None)])))


def test_a_given_title_and_description_are_used():
    figure = parsed(visits_table([("A", 12, 80.0)], title="Visits", description="Visits made."))
    assert figure.find(f"{SVG}svg/{SVG}title").text == "Visits"
    assert figure.find(f"{SVG}svg/{SVG}desc").text == "Visits made."
    assert figure.find("figcaption").text == "Visits made. The numbers are in the table below."


def test_bars_are_in_proportion_and_labelled_with_their_figures():
    """10 of a largest 20 is half the width of the 20; each figure is written after its bar,
    under its row's label."""
    figure = parsed(visits_table([("A", 10, None), ("B", 20, None), ("C", 5, None)]))
    a, b, c = bars(figure)
    assert (a, c) == (approx(b / 2, abs=0.1), approx(b / 4, abs=0.1))
    assert texts(figure) == ["A", "B", "C", "10", "20", "5"]


def test_max_value_sets_the_end_of_the_scale():
    """With max_value 100 a share of 50% is half the plot (marked by the scale's end), though
    it is the largest."""
    table = Table("seen", "Seen", [Column("suite", "Suite", "label"),
                                   Column("seen", "Share seen (%)", "percent")],
                  [{"suite": "A", "seen": 50.0}, {"suite": "B", "seen": 25.0}],
                  chart=Chart(("seen",), max_value=100))
    figure = parsed(table)
    scale_end = figure.find(f"{SVG}svg/{SVG}g/{SVG}path")
    plot = float(scale_end.get("d")[1:].split()[0])
    assert bars(figure) == [plot / 2, plot / 4]
    assert texts(figure)[-2:] == ["50.0%", "25.0%"]


def test_withheld_and_missing_figures_have_no_bar_but_their_text():
    """"<5", "[c]" and no figure draw no bar; their text is written where the bar would be."""
    figure = parsed(visits_table([("A", "<5", None), ("B", 20, None), ("C", "[c]", None),
                                  ("D", None, None), ("E", 0, None)]))
    assert len(bars(figure)) == 1
    assert texts(figure)[5:] == ["<5", "20", "[c]", "–", "0"]
    assert "<5" not in str(render(visits_table([("A", "<5", None)])))  # escaped as &lt;5


def test_text_is_escaped():
    """A label with < and & is drawn as text, in the SVG and its description."""
    table = visits_table([("Lewisham & <Bromley>", 4, None)], title="Visits <& more>")
    markup = str(render(table))
    assert "<Bromley>" not in markup
    figure = ET.fromstring(markup)
    assert texts(figure)[0] == "Lewisham & <Bromley>"
    assert figure.find(f"{SVG}svg/{SVG}title").text == "Visits <& more>"
    assert "Lewisham & <Bromley> 4" in figure.find(f"{SVG}svg/{SVG}desc").text


def test_two_series_have_a_legend_and_a_bar_each():
    """One thin bar a series in each row, in the legend's colours and order."""
    table = visits_table([("A", 10, 40.0), ("B", 20, 80.0)], series=("visits", "seen"))
    figure = parsed(table)
    assert texts(figure)[:2] == ["Visits", "Share seen (%)"]
    blue, orange = bars(figure, "#1d70b8")[1:], bars(figure, "#c25000")[1:]
    assert (blue[1], orange[1]) == (approx(2 * blue[0], abs=0.1), approx(2 * orange[0], abs=0.1))
    assert orange[1] == approx(4 * blue[1], abs=0.1)  # one scale: 80 against 20
    assert "A: Visits 10, Share seen (%) 40.0%; B: Visits 20, Share seen (%) 80.0%" in (
        figure.find(f"{SVG}svg/{SVG}desc").text)


def test_a_row_over_a_threshold_is_marked_in_words():
    table = visits_table([("A", 10, None), ("B", 20, None)])
    table.highlight = {(1, "visits")}
    figure = parsed(table)
    label = next(t for t in figure.iter(f"{SVG}text") if t.text and t.text.startswith("B"))
    assert label.get("font-weight") == "bold"
    assert "".join(label.itertext()) == "B (over threshold)"


def test_a_table_without_a_chart_or_rows_draws_nothing():
    table = visits_table([])
    assert str(render(table)) == ""
    table = visits_table([("A", 1, None)])
    table.chart = None
    assert str(render(table)) == ""


def test_ten_rows_stay_small():
    """The page may have fifteen charts: ten rows make well under 3 KB."""
    table = visits_table([(f"Suite number {i}", i * 7, None) for i in range(10)])
    assert len(str(render(table))) < 3000
