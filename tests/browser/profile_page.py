"""Where a live lab's page spends its time while it trains: not a test, a measurement to run by hand.

    .venv/bin/python -m pytest tests/browser/profile_page.py -p no:xdist -q -s
    DLKIT_PROFILE_LAB=gradient-flow .venv/bin/python -m pytest tests/browser/profile_page.py -p no:xdist -q -s

One lab in a JupyterLab notebook in headless Chromium: Train is clicked, and for PROFILE_S seconds Chrome's own
counters (``Performance.getMetrics``: script, layout, style recalculation, task time), its sampling JavaScript
profiler (``Profiler``) and its timeline trace run, and the CPU time of every process (the kernel, the server,
each Chromium process) is read. DLKIT_PROFILE_BARE=1 reads the counters only (the profiler and the trace take
a third of the page's main thread themselves); DLKIT_PROFILE_CSS adds a style rule to try, DLKIT_PROFILE_ARGS
more arguments for the lab, DLKIT_PROFILE_ALL=1 puts the other six labs below it (as the browser test's page
has them), DLKIT_PROFILE_TRACE sets the trace's categories (e.g. "blink,cc,devtools.timeline"). The table
printed and written to test-artifacts/browser/profile-<lab>.md says which share of the page's time went to
script, layout and style, the frames the probe saw, and the JavaScript functions (and their files) with the
most self time.
"""
from __future__ import annotations

import collections
import dataclasses
import os
import time
from pathlib import Path

import pytest

from . import live_probe
from .test_labs_in_browser import BUILD, SPECS, _button, _cell, _lab, _load, _notebook, _open, _run_all

PROFILE_S = 4.0                  # seconds of training profiled
SAMPLING_US = 250                # the JavaScript profiler's sampling interval
TOP = 25                         # functions listed
TIMELINE = os.environ.get("DLKIT_PROFILE_TRACE", "devtools.timeline,disabled-by-default-devtools.timeline")
METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "LayoutCount",
           "RecalcStyleCount", "JSHeapUsedSize", "Nodes")


def _timeline(session, page):
    """{event name: milliseconds} of the page's main-thread timeline events (Paint, Layout, RasterTask, ...)
    recorded since Tracing.start: complete events' own durations, summed."""
    chunks, done = [], []
    session.on("Tracing.dataCollected", lambda e: chunks.extend(e["value"]))
    session.on("Tracing.tracingComplete", lambda e: done.append(True))
    session.send("Tracing.end")
    deadline = time.monotonic() + 30
    while not done and time.monotonic() < deadline:
        page.wait_for_timeout(100)                   # Playwright delivers the events while it waits
    totals = collections.Counter()
    for event in chunks:
        if event.get("ph") == "X" and "dur" in event:
            totals[event["name"]] += event["dur"] / 1000.0
    return totals


def _chromium_kind(cmd):
    """Chromium's processes by their --type: renderer (the page), gpu-process (compositing in software
    here), utility (network), the browser process."""
    found = [part.split("=", 1)[1] for part in cmd.split() if part.startswith("--type=")]
    return f"chromium {found[0] if found else 'browser'}"


def _cpu_by_process():
    """{kind: CPU seconds so far} of this machine's processes: the kernel, the Jupyter server, Chromium (every
    process of it), Playwright's driver and this pytest."""
    import psutil

    totals = collections.Counter()
    for proc in psutil.process_iter(["cmdline", "cpu_times"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        kind = ("kernel" if "ipykernel" in cmd else "jupyter server" if "jupyterlab" in cmd else
                _chromium_kind(cmd) if "chromium" in cmd else "playwright driver" if "playwright" in cmd and "node" in cmd
                else "pytest" if "pytest" in cmd else None)
        times = proc.info["cpu_times"]
        if kind and times:
            totals[kind] += times.user + times.system
    return totals


def _metrics(session):
    return {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}


def _self_times(profile):
    """{(function, file:line): self milliseconds} from a CPU profile's samples."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    totals = collections.Counter()
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node_id]["callFrame"]
        where = f"{Path(frame['url']).name or '-'}:{frame['lineNumber'] + 1}"
        totals[(frame["functionName"] or "(anonymous)", where)] += delta / 1000.0
    return totals


def _table(name, seconds, before, after, totals, rates, load):
    spent = {k: after[k] - before[k] for k in METRICS}
    lines = [f"# Page profile: {name}, {seconds:.1f} s of training (load {load})", "",
             f"frames per second (median figure) {rates['fps']:.1f}, repaints per second "
             f"{rates['repaints_per_s']:.1f}; per figure "
             + ", ".join(f"{k}: {v:.1f}" for k, v in rates["per_figure"].items()), "",
             "| Chrome counter | seconds | share of the wall time |", "|---|---|---|"]
    for key in ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration"):
        lines.append(f"| {key} | {spent[key]:.2f} | {spent[key] / seconds:.0%} |")
    lines += ["", f"layouts {spent['LayoutCount']:.0f}, style recalculations {spent['RecalcStyleCount']:.0f}, "
                  f"DOM nodes {after['Nodes']:.0f} (was {before['Nodes']:.0f})", "",
              "| JavaScript function | where | self ms | share of the samples |", "|---|---|---|---|"]
    total = sum(totals.values()) or 1.0
    for (function, where), ms in totals.most_common(TOP):
        lines.append(f"| {function} | {where} | {ms:.0f} | {ms / total:.0%} |")
    return "\n".join(lines) + "\n"


@pytest.mark.browser
def test_profile_one_lab(browser, jupyter, artifacts):
    name = os.environ.get("DLKIT_PROFILE_LAB", "playground")
    (spec,) = [s for s in SPECS if s.name == name]
    if os.environ.get("DLKIT_PROFILE_ARGS"):           # other arguments for the lab: e.g. 'speed="fast"'
        spec = dataclasses.replace(spec, args=f"{spec.args}, {os.environ['DLKIT_PROFILE_ARGS']}")
    others = [_cell(s) for s in SPECS if s.name != name] if os.environ.get("DLKIT_PROFILE_ALL") else []
    _notebook(jupyter["root"] / "profile.ipynb", [BUILD, _cell(spec), *others])
    page = _open(browser, jupyter, "lab/tree/profile.ipynb")
    page.keyboard.press("Control+b")
    _run_all(page)
    lab = _lab(page, spec)
    session = page.context.new_cdp_session(page)
    session.send("Performance.enable")
    session.send("Profiler.enable")
    session.send("Profiler.setSamplingInterval", {"interval": SAMPLING_US})
    live_probe.install(lab)
    train = _button(lab, spec.train)
    before, cpu_before = _metrics(session), _cpu_by_process()
    if os.environ.get("DLKIT_PROFILE_CSS"):            # try a style: e.g. ".dlkit-live-panel {contain: paint}"
        page.add_style_tag(content=os.environ["DLKIT_PROFILE_CSS"])
    bare = bool(os.environ.get("DLKIT_PROFILE_BARE"))      # counters only: no profiler or tracing overhead
    if not bare:
        session.send("Tracing.start", {"categories": TIMELINE, "transferMode": "ReportEvents"})
        session.send("Profiler.start")
    train.click()
    time.sleep(PROFILE_S)
    profile = {"nodes": [], "samples": [], "timeDeltas": []} if bare else session.send("Profiler.stop")["profile"]
    after, cpu_after = _metrics(session), _cpu_by_process()
    timeline = collections.Counter() if bare else _timeline(session, page)
    probe = live_probe.read(page)
    rates = live_probe.rates(probe, probe["events"]["click"], probe["now"])
    if _button(lab, "Stop").is_enabled():
        _button(lab, "Stop").click()
    text = _table(name, PROFILE_S, before, after, _self_times(profile), rates, _load())
    text += "\n| process | CPU seconds | cores |\n|---|---|---|\n" + "".join(
        f"| {kind} | {cpu_after[kind] - cpu_before[kind]:.2f} | {(cpu_after[kind] - cpu_before[kind]) / PROFILE_S:.2f} |\n"
        for kind in sorted(cpu_after))
    text += "\n| timeline event | ms |\n|---|---|\n" + "".join(
        f"| {event} | {ms:.0f} |\n" for event, ms in timeline.most_common(TOP))
    (artifacts / f"profile-{name}.md").write_text(text)
    print("\n" + text)
