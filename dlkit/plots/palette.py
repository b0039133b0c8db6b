"""The colours and the small font size every chart uses.

Colours are the Okabe–Ito palette, told apart with every common colour-vision deficiency; sequential maps are
viridis and cividis.
"""
from __future__ import annotations

# Okabe & Ito (2008), "Color Universal Design"
BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE = (
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
GREY = "#999999"
TRAIN, VAL, ALERT = BLUE, ORANGE, VERMILLION
CLASS_COLORS = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK, GREY, "#882255")
OPTIMIZER_COLORS = {"sgd": BLACK, "momentum": BLUE, "nesterov": SKY, "adagrad": GREEN, "rmsprop": PURPLE,
                    "adam": VERMILLION, "adamw": YELLOW, "adamax": ORANGE}
SERIES_COLORS = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK, YELLOW)
SMALL = 8                  # font size (points) of legends, ticks and annotations


def cycle(n):
    """``n`` colours from :data:`SERIES_COLORS`, starting again after the last."""
    return [SERIES_COLORS[i % len(SERIES_COLORS)] for i in range(n)]
