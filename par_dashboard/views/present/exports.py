"""The deck in every format, from one place: the presenter page, the command line and the benchmark use it."""

from __future__ import annotations

from par_dashboard.views.present import static
from par_dashboard.views.present.figures import chart_figure
from par_dashboard.views.present.html import render_html
from par_dashboard.views.present.model import Deck

PNG_W, PNG_H = 1920, 1080
FORMATS = ("html", "pdf", "pptx", "png")


def to_html(deck: Deck, *, contrast: bool = False, plotly_src: str | None = None) -> bytes:
    """`plotly_src`: load plotly.js from there (the presenter page's frame); None: in the file (a download)."""
    return render_html(deck, contrast=contrast, plotly_src=plotly_src).encode("utf-8")


def to_pdf(deck: Deck, *, contrast: bool = False) -> bytes:
    return static.html_to_pdf(render_html(deck, contrast=contrast, lazy=False))  # every chart drawn before printing


def to_pptx(deck: Deck) -> bytes:
    from par_dashboard.views.present.pptx import deck_to_pptx

    return deck_to_pptx(deck)


def chart_png(deck: Deck, number: int, *, contrast: bool = False) -> bytes:
    """Slide `number`'s chart alone at 1920×1080, its title written in."""
    chart = deck.slides[number - 1].chart
    if chart is None:
        raise ValueError(f"slide {number} has no chart")
    fig = chart_figure(chart, deck.lang, width=PNG_W, height=PNG_H, contrast=contrast, show_title=True)
    return static.to_image(fig, fmt="png", width=PNG_W, height=PNG_H)
