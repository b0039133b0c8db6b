"""The live labs headless: what one frame costs the kernel and the network, and the frame rate that allows.

    python -m dlkit.bench --labs [--only playground,metrics] [--seconds 2] [--out bench-results/labs.json]
    python -m dlkit.bench.labs ...                  (the same)

Each lab is built as the course shows it, its start button is pressed (a background job, as a watching student
starts it: paced at "watch" speed, until Stop) and it trains for ``--seconds``; then Stop. No browser: the widgets
talk to a dummy comm, and every message a widget would send (``ipywidgets.Widget._send``) is weighed: its JSON
plus its binary buffers. Per frame (one ``lab.redraw()``):

- **kernel ms**: ``lab.draw_seconds``, median and p90;
- **bytes**: what the frame's marks sent (median) and everything sent during the run per frame (status lines too);
- **achievable frames per second**: 1 / (training work between two frames + the frame's draw), the interval
  between frames less the time the lab paused to keep the watching pace, median;
- **control ms**: a control moved while idle (its next value), until the lab has redrawn (median of a few).

A lab that nothing trains (ActivationExplorer) is measured on its control alone: its frames are the redraws,
and the frame rate they allow is 1 / draw. The browser's side (frames the
page shows per second, click to first frame) is tests/browser's, in test-artifacts/browser/live-frames.md.
Timings depend on the load: the load average is recorded beside each lab.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import comm
import ipywidgets as W

__all__ = ["LABS", "CommMeter", "measure", "run", "table", "main"]

SECONDS = 2.0                  # seconds of training watched per lab
CONTROL_MOVES = 3              # control changes timed per lab
IDLE_MOVES = 12                # ... per lab that nothing trains (they are its frames)
STOP_TIMEOUT = 30.0            # seconds a lab may take to stop
REDRAW_WAIT = 1.0              # seconds a moved control may take to redraw
TARGET_FPS = 20.0              # issue 16: the Playground in the browser; the kernel must allow at least this
TARGET_DRAW_MS = 5.0           # ... and a frame's kernel work at most this
P90 = 0.9


@dataclass(frozen=True)
class LabCase:
    """A lab as the bench builds it (``dlkit.widgets.<cls>(**args)``), the button that starts it (None: nothing
    trains) and the control it moves."""

    cls: str
    args: dict
    start: str | None
    control: str


LABS = {
    "playground": LabCase("Playground", {"dataset": "spirals", "hidden_layers": 2, "width": 8}, "train", "seed"),
    "activations": LabCase("ActivationExplorer", {"activation": "tanh"}, None, "activation"),
    "gradient-flow": LabCase("GradientFlowLab", {"depth": 50}, "train", "activation"),
    "overfitting": LabCase("OverfittingLab", {"dataset": "moons", "train_size": 50, "noise": 0.3, "width": 128,
                                              "early_stopping": False}, "train", "seed"),
    "optimizer-race": LabCase("OptimizerRace", {"surface": "quadratic", "condition": 30}, "race", "condition"),
    "batch-size": LabCase("BatchSizeLab", {"dataset": "spirals", "n_samples": 600, "amount": 5}, "run", "x_axis"),
    "metrics": LabCase("MetricsPanel", {"positive_share": 0.1}, "train", "threshold"),
}


class CommMeter:
    """Weighs every message the widgets send: ``with meter: ...`` patches ``ipywidgets.Widget._send`` (state
    updates) and ``comm.create_comm`` (a new widget's opening state), counting the JSON length of each message
    plus the bytes of its buffers, and puts both back after."""

    def __init__(self):
        self.bytes = 0
        self.messages = 0
        self._lock = threading.Lock()
        self._originals = None

    def weigh(self, msg, buffers):
        size = len(json.dumps(msg, default=str, separators=(",", ":")))
        size += sum(memoryview(b).nbytes for b in buffers or ())
        with self._lock:
            self.bytes += size
            self.messages += 1

    def __enter__(self):
        send, create = self._originals = W.Widget._send, comm.create_comm
        meter = self

        def _send(widget, msg, buffers=None):
            meter.weigh(msg, buffers)
            return send(widget, msg, buffers)

        def create_comm(*args, **kwargs):
            meter.weigh(kwargs.get("data"), kwargs.get("buffers"))
            return create(*args, **kwargs)

        W.Widget._send, comm.create_comm = _send, create_comm
        return self

    def __exit__(self, *exc):
        W.Widget._send, comm.create_comm = self._originals


class FrameLog:
    """Wraps one lab's ``redraw`` and ``pause`` (instance attributes: the lab's own calls go through them) to
    note each frame's start, draw time and bytes, and the time spent pacing."""

    def __init__(self, lab, meter):
        self.lab, self.meter = lab, meter
        self.frames = []                 # (started, draw seconds, bytes sent while drawing, messages)
        self.paused = []                 # (started, seconds)
        redraw, pause = lab.redraw, lab.pause

        def logged_redraw():
            started, before, messages = time.perf_counter(), meter.bytes, meter.messages
            redraw()
            self.frames.append((started, lab.draw_seconds, meter.bytes - before, meter.messages - messages))

        def logged_pause(seconds):
            started = time.perf_counter()
            pause(seconds)
            self.paused.append((started, time.perf_counter() - started))

        lab.redraw, lab.pause = logged_redraw, logged_pause

    def clear(self):
        self.frames.clear()
        self.paused.clear()

    def work_per_frame(self):
        """Seconds between consecutive frames less the pacing in between: training + drawing per frame."""
        out = []
        for (a, *_), (b, *_) in zip(self.frames, self.frames[1:]):
            pacing = sum(s for t, s in self.paused if a <= t < b)
            out.append(b - a - pacing)
        return out


def _load():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


def _ms(seconds):
    return None if seconds is None else round(1000 * seconds, 2)


def _next_value(widget):
    """The control's next value (a menu's next option, a slider one step up, or down at its end)."""
    options = getattr(widget, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return values[(values.index(widget.value) + 1) % len(values)] if widget.value in values else values[0]
    step = getattr(widget, "step", 1) or 1
    up = widget.value + step
    return up if up <= widget.max else widget.value - step


def _train(lab, case, seconds, log, meter):
    """Press the start button, let it run ``seconds`` (or until it ends), press Stop: the run's numbers."""
    log.clear()
    sent_before, began = meter.bytes, time.perf_counter()
    lab.buttons[case.start].click()
    deadline = began + seconds
    while time.perf_counter() < deadline and lab.running:
        time.sleep(0.01)
    stop_pressed = time.perf_counter()
    lab.stop()
    if not lab.wait(STOP_TIMEOUT):
        raise TimeoutError(f"{case.cls} did not stop within {STOP_TIMEOUT:.0f} s")
    ended = time.perf_counter()
    if lab.error is not None:
        raise lab.error
    work = log.work_per_frame()
    median_work = statistics.median(work) if work else None
    return {**_frame_stats(log.frames), "seconds": round(stop_pressed - began, 2),
            "frames_per_s_watched": round(len(log.frames) / max(stop_pressed - began, 1e-9), 1),
            "bytes_per_frame": int((meter.bytes - sent_before) / max(len(log.frames), 1)),
            "work_ms_median": _ms(median_work),
            "fps_achievable": round(1 / median_work, 1) if median_work else None,
            "stop_ms": _ms(ended - stop_pressed)}


def _frame_stats(frames):
    """frames [(started, draw seconds, bytes, messages)] -> their count, draw ms median and p90, bytes and
    messages per frame (medians)."""
    if not frames:
        return {"frames": 0}
    draws = [f[1] for f in frames]
    return {"frames": len(frames), "draw_ms_median": _ms(statistics.median(draws)),
            "draw_ms_p90": _ms(_percentile(draws, P90)),
            "frame_bytes_median": int(statistics.median(f[2] for f in frames)),
            "frame_messages_median": int(statistics.median(f[3] for f in frames))}


def _controls(lab, case, log, meter, moves=CONTROL_MOVES):
    """Move the case's control ``moves`` times while idle: ms until the lab has redrawn, bytes per change, and
    the redraws' frames [(started, draw seconds, bytes, messages)]."""
    widget = lab.controls[case.control]
    times, sizes, frames = [], [], []
    for _ in range(moves):
        log.clear()
        before, started = meter.bytes, time.perf_counter()
        widget.value = _next_value(widget)
        while not log.frames and time.perf_counter() - started < REDRAW_WAIT:
            time.sleep(0.001)                      # a lab may redraw from a thread of its own
        if not log.frames:
            return {"control": case.control, "control_ms": None, "control_note": f"no redraw in {REDRAW_WAIT} s"}, []
        drawn, draw, *_ = log.frames[-1]
        times.append(drawn + draw - started)
        sizes.append(meter.bytes - before)
        frames += log.frames
    return {"control": case.control, "control_ms": _ms(statistics.median(times)),
            "control_bytes": int(statistics.median(sizes)),
            "control_draw_ms": _ms(statistics.median(f[1] for f in frames))}, frames


def measure(name, seconds=SECONDS, case=None):
    """One lab's row: build, train ``seconds`` as a watched job, move a control; the load before and after."""
    from dlkit import widgets

    case = case or LABS[name]
    row = {"lab": case.cls, "load_before": _load()}
    with CommMeter() as meter:
        started = time.perf_counter()
        lab = getattr(widgets, case.cls)(**case.args)
        row["build_s"] = round(time.perf_counter() - started, 2)
        log = FrameLog(lab, meter)
        if case.start is not None:
            row.update(_train(lab, case, seconds, log, meter))
            row.update(_controls(lab, case, log, meter)[0])
        else:                                       # nothing trains: its frames are the control's redraws
            controls, frames = _controls(lab, case, log, meter, moves=IDLE_MOVES)
            stats = _frame_stats(frames)
            draw = stats.get("draw_ms_median")
            row.update(controls, **stats, fps_achievable=round(1000 / draw, 1) if draw else None)
    row["load_after"] = _load()
    return row


def run(names=None, seconds=SECONDS):
    """{machine, labs: {name: row}}; a lab that fails to build or run gets {"error": ...} and the others go on."""
    results = {"machine": {"cpus": os.cpu_count(), "load": _load(), "seconds_per_lab": seconds,
                           "targets": {"fps": TARGET_FPS, "draw_ms": TARGET_DRAW_MS}}, "labs": {}}
    for name in names or LABS:
        try:
            results["labs"][name] = measure(name, seconds)
        except Exception as exc:  # noqa: BLE001 — one broken lab must not hide the others' numbers
            results["labs"][name] = {"lab": LABS[name].cls, "error": f"{type(exc).__name__}: {exc}",
                                     "load_after": _load()}
    results["machine"]["load_after"] = _load()
    return results


COLUMNS = (("frames", "frames", "d"), ("draw ms", "draw_ms_median", ".2f"), ("p90", "draw_ms_p90", ".2f"),
           ("B/frame", "frame_bytes_median", ",d"), ("msgs/frame", "frame_messages_median", "d"),
           ("B/frame all", "bytes_per_frame", ",d"),
           ("work ms", "work_ms_median", ".1f"), ("fps max", "fps_achievable", ".1f"),
           ("fps seen", "frames_per_s_watched", ".1f"), ("control ms", "control_ms", ".1f"),
           ("stop ms", "stop_ms", ".0f"), ("load", "load_after", ".2f"))


def table(results):
    """The results as a text table, one lab a row (— where not measured)."""
    lines = [f"{'lab':<16}" + "".join(f"{title:>12}" for title, _, _ in COLUMNS)]
    for name, row in results["labs"].items():
        if "error" in row:
            lines.append(f"{name:<16}  ERROR {row['error'][:160]}")
            continue
        cells = [f"{'—':>12}" if row.get(key) is None else f"{row[key]:>12{spec}}" for _, key, spec in COLUMNS]
        lines.append(f"{name:<16}" + "".join(cells))
    m = results["machine"]
    lines += [f"(headless, {m['cpus']} CPUs, load {m['load']} -> {m['load_after']}; {m['seconds_per_lab']} s of "
              "training per lab at its own speed, as a watching student starts it)",
              f"draw ms: lab.draw_seconds per frame (target <= {TARGET_DRAW_MS:g}); B/frame: the frame's widget "
              "messages, JSON + buffers (msgs: how many); B/frame all: everything sent during the run per frame;",
              f"work ms: training + drawing per frame; fps max = 1000 / work ms (target >= {TARGET_FPS:g}); fps seen: "
              "frames per second at the lab's pace; control ms: a control moved while idle, until redrawn"]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", action="store_true", help="(the switch that chose this bench)")
    parser.add_argument("--only", help=f"comma-separated labs, of: {', '.join(LABS)}")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="seconds of training per lab")
    parser.add_argument("--out", default="bench-results/labs.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else None
    unknown = [n for n in names or () if n not in LABS]
    if unknown:
        parser.error(f"unknown lab(s) {', '.join(unknown)}: choose from {', '.join(LABS)}")
    results = run(names, args.seconds)
    print(table(results))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {args.out}")
    return results


if __name__ == "__main__":       # python -m dlkit.bench.labs (the same as python -m dlkit.bench --labs)
    main()
