"""Live charts: the labs' pictures, drawn in the browser by bqplot from arrays the kernel sends.

A chart is a small object holding bqplot marks; a lab hands it arrays (``chart.show(...)``) and the chart replaces
the marks' data, so a frame costs the kernel a few milliseconds and the network a few kilobytes, and the browser
redraws at display rate with vector lines, points and text (crisp at any devicePixelRatio). Charts compute
nothing about a network: what they show comes from the engine and the instruments, through the widgets.
``dlkit.plots`` (matplotlib) stays for the lectures' static figures.

=====================  ==========================================================================
panel                  one figure: scales, round-ticked axes, a title and a legend row above it
curves                 lines over epochs or any x, setting changes marked, where a run blew up
marked                 curves with a shaded window (patience), diamond points, dashed epochs and level lines
sweep                  one number per swept setting on a log axis ticked at the values, a highlight ring
bundle                 many lines over one shared x sent as one mark (one message a frame, whatever the depth)
zones                  shaded stretches of x under lines or histograms (dead, inactive, saturated zones)
plane                  the input plane: class-coloured probability raster, data points, unit montages
bars                   grouped bars and per-series histograms
field                  a scalar field over a plane (optimizer surfaces, maps), with paths on top
matrix                 a labelled matrix of counts (confusion matrices)
precision_recall       a classifier's precision-recall curve over equal-F1 lines, a threshold's point
raster                 arrays -> RGBA pixels -> PNG bytes, and the colour maps
transport              the server's kernel websocket with TCP_NODELAY, so a frame arrives whole
=====================  ==========================================================================
"""
from .bars import BarChart, Histograms, category_ticks, shares
from .bundle import LineBundle
from .curves import Curves, Series
from .marked import MarkedCurves
from .field import Field
from .matrix import Matrix
from .panel import Panel, row
from .plane import Montage, Plane
from .precision_recall import PrecisionRecall
from .sweep import Sweep
from .zones import ZonedCurves, ZonedHistograms

__all__ = ["Panel", "row", "Curves", "Series", "MarkedCurves", "LineBundle", "ZonedCurves", "Sweep", "Plane", "Montage",
           "BarChart", "Histograms", "ZonedHistograms", "category_ticks", "shares", "Field", "Matrix",
           "PrecisionRecall"]
