"""Measuring live charts in the page: which bqplot figures of a lab changed in each animation frame, and when.

A MutationObserver on the lab's element notes every change inside a bqplot figure (a line's path ``d``, a
scatter point's ``transform``, an image's ``href``, an axis tick, a label); a requestAnimationFrame callback
closes the animation frame in which they came and records it as a *tick*: (page time in ms, the figures that
changed). Clicks, key presses and menu changes inside the lab are time-stamped in the same clock (capture phase,
so before any widget handles them). Everything is read back with :func:`read` and summed up in Python.

- a lab's **frames per second**: per figure, the ticks in which it changed, per second; the lab's rate is the
  median over the figures that changed (a frame whose messages arrive split over two animation frames counts
  twice for one figure, not for the lab; a figure that only moves its axis now and then does not pull it down);
- **repaints per second**: animation frames with any change in the lab's figures;
- **click to first frame**: from the click event to the first animation frame with a change.
"""
from __future__ import annotations

import base64
import statistics

PROBE = """(root) => {
  if (window.__dlkitProbe) window.__dlkitProbe.observer.disconnect();
  const probe = {events: {}, ticks: [], pending: null, figures: []};
  const figures = () => [...root.querySelectorAll('.bqplot.figure')];
  probe.observer = new MutationObserver(records => {
    const figs = figures();
    for (const r of records) {
      const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const fig = node && node.closest('.bqplot.figure');
      if (!fig || !root.contains(fig)) continue;
      if (probe.pending === null) {
        probe.pending = new Set();
        requestAnimationFrame(() => {
          probe.ticks.push([performance.now(), [...probe.pending]]);
          probe.pending = null;
        });
      }
      probe.pending.add(figs.indexOf(fig));
    }
  });
  probe.observer.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  for (const type of ['click', 'keydown', 'change']) {
    root.addEventListener(type, () => { probe.events[type] = performance.now(); }, {capture: true});
  }
  window.__dlkitProbe = probe;
}"""

READ = """() => { const p = window.__dlkitProbe;
  return {events: p.events, ticks: p.ticks, now: performance.now()}; }"""

VISIBLE_FIGURES = """(root) => [...root.querySelectorAll('.bqplot.figure')]
  .filter(f => f.getBoundingClientRect().width > 0).length"""


def install(lab):
    """Start watching the lab's figures (a Playwright locator of the lab's element); replaces an older probe."""
    lab.element_handle().evaluate(PROBE)


def read(page):
    """{events: {click|keydown|change: ms}, ticks: [(ms, [figure index, ...]), ...], now: ms}."""
    return page.evaluate(READ)


def now(page):
    """The page's clock (performance.now(), ms)."""
    return page.evaluate("performance.now()")


def visible_figures(lab):
    """How many bqplot figures of the lab are displayed (not hidden with display: none)."""
    return lab.element_handle().evaluate(VISIBLE_FIGURES)


def ticks_between(probe, start, end=float("inf")):
    """The ticks with start < time <= end."""
    return [(t, figs) for t, figs in probe["ticks"] if start < t <= end]


def first_change_ms(probe, since):
    """Milliseconds from ``since`` (page time) to the first tick after it; None if nothing changed."""
    later = ticks_between(probe, since)
    return later[0][0] - since if later else None


def rates(probe, start, end):
    """Frames per second between the first tick after ``start`` and ``end`` (page ms): {fps (median over the
    figures that changed), repaints_per_s, per_figure {index: changes per second}, seconds}."""
    ticks = ticks_between(probe, start, end)
    if len(ticks) < 2:
        return {"fps": 0.0, "repaints_per_s": 0.0, "per_figure": {}, "seconds": 0.0}
    begin = ticks[0][0]
    seconds = (end - begin) / 1000
    counts = {}
    for _, figs in ticks[1:]:
        for f in figs:
            counts[f] = counts.get(f, 0) + 1
    per_figure = {f: n / seconds for f, n in sorted(counts.items())}
    return {"fps": statistics.median(per_figure.values()) if per_figure else 0.0,
            "repaints_per_s": (len(ticks) - 1) / seconds, "per_figure": per_figure, "seconds": seconds}


def screenshot_at_scale(page, element, path, factor):
    """A screenshot of ``element`` (a locator) rendered at devicePixelRatio ``factor``: Chrome's own device
    metrics override and capture (Playwright's screenshots keep the context's scale), the viewport kept as it is
    in CSS pixels, so the page lays out as before and only gets more pixels; the override is cleared after."""
    session = page.context.new_cdp_session(page)
    viewport = page.viewport_size
    session.send("Emulation.setDeviceMetricsOverride", {"width": viewport["width"], "height": viewport["height"],
                                                        "deviceScaleFactor": factor, "mobile": False})
    try:
        page.wait_for_function(f"window.devicePixelRatio === {factor}", timeout=10_000)
        element.scroll_into_view_if_needed()
        page.wait_for_timeout(300)                         # let bqplot redraw at the new scale
        clip = {**element.bounding_box(), "scale": 1}
        shot = session.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(shot["data"]))
    finally:
        session.send("Emulation.clearDeviceMetricsOverride")
        session.detach()
