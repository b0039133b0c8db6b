"""Round axis ranges and ticks: a live axis moves only when the data outgrow it, to the next round value, so most
frames send no axis change and the labels never crowd (bqplot's own tick choice gives "440, 885, 1329")."""
from __future__ import annotations

import math

import numpy as np

ROUND_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
TICKS_WANTED = 4                 # about this many ticks on an axis
LOG_FLOOR = 1e-12                # what a log axis draws a zero (or a negative number) at
MAX_POINTS = 600                 # points per line sent to the browser (more are thinned evenly)
PLAIN_DECADES = (1e-4, 1e5)      # log ticks in this span read plainly (0.0001 ... 10000), else as powers of ten


def nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 × 10^k that is >= value (value > 0)."""
    value = max(float(value), LOG_FLOOR)
    base = 10.0 ** math.floor(math.log10(value))
    return next(m * base for m in ROUND_STEPS if m * base >= value * (1 - 1e-9))


def nice_range(lo, hi):
    """(lo', hi', step): round bounds around [lo, hi] on a grid of about TICKS_WANTED steps."""
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        hi = lo + (abs(lo) if lo else 1.0)
    step = nice_ceiling((hi - lo) / TICKS_WANTED)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, step


def linear_ticks(lo, hi, step):
    """Tick values from lo to hi every step (both bounds included)."""
    count = int(round((hi - lo) / step))
    return [round(lo + k * step, 12) for k in range(count + 1)]


def log_range(lo, hi):
    """(lo', hi', ticks): whole decades around [lo, hi] (lo, hi > 0); ticks at each decade, or at 1-2-5 steps when
    the range is a decade or less, thinned to at most about 2 * TICKS_WANTED."""
    lo, hi = max(float(lo), LOG_FLOOR), max(float(hi), LOG_FLOOR)
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if last <= first:
        last = first + 1
    decades = list(range(first, last + 1))
    every = max(1, math.ceil(len(decades) / (2 * TICKS_WANTED)))
    ticks = [10.0 ** d for d in decades[::every]]
    if last - first == 1:
        ticks = sorted(ticks + [2 * 10.0 ** first, 5 * 10.0 ** first])
    return 10.0 ** first, 10.0 ** last, ticks


def log_format(ticks):
    """A d3 format for log-axis ticks that reads the same all along: "~g" (0.01, 1, 100) while every tick lies in
    PLAIN_DECADES, else powers of ten throughout ("1e-12" ... "1e+0"; "~g" mixed "0.000001" with "1e-8")."""
    inside = all(PLAIN_DECADES[0] <= abs(t) <= PLAIN_DECADES[1] for t in ticks if t)
    return "~g" if inside else "~e"


def thin(n, most=MAX_POINTS):
    """Indices of at most ``most`` of n points, evenly spread, first and last kept."""
    if n <= most:
        return slice(None)
    return np.unique(np.linspace(0, n - 1, most).round().astype(np.int64))
