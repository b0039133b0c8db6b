"""``python -m dlkit.bench --labs``: the table and the JSON have their shape on one small lab, the comm meter weighs
what a widget sends, a broken lab is a row of its own (no timings asserted: they belong to the bench's output)."""
import json

import comm
import ipywidgets as W
import numpy as np
import pytest

from dlkit import widgets
from dlkit.bench import labs
from dlkit.widgets import base

SMALL = labs.LabCase("Playground", {"n_samples": 200, "hidden_layers": 1, "width": 4}, "train", "seed")
ROW_KEYS = {"lab", "build_s", "frames", "seconds", "draw_ms_median", "draw_ms_p90", "frame_bytes_median",
            "frame_messages_median", "bytes_per_frame", "work_ms_median", "fps_achievable", "frames_per_s_watched",
            "stop_ms", "control", "control_ms", "control_bytes", "control_draw_ms", "load_before", "load_after"}


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(labs, "LABS", {"playground": SMALL, "broken": labs.LabCase("NoSuchLab", {}, None, "x")})


def test_comm_meter_weighs_json_and_buffers_and_puts_send_back():
    originals = W.Widget._send, comm.create_comm
    box = W.IntText()
    with labs.CommMeter() as meter:
        box.value = 7
        update = meter.bytes
        image = W.Image(format="png")                    # a new widget sends its whole state when it opens
        opened = meter.bytes - update
        image.value = bytes(1000)
    assert (W.Widget._send, comm.create_comm) == originals
    assert meter.messages >= 3 and update > len('"value":7') and opened > update
    assert meter.bytes - update - opened > 1000         # the buffer counts with its bytes


def test_the_labs_bench_prints_a_row_per_lab_and_writes_json(small, tmp_path, capsys):
    out = tmp_path / "labs.json"
    labs.main(["--labs", "--only", "playground,broken", "--seconds", "0.3", "--out", str(out)])
    printed = capsys.readouterr().out
    header, playground, broken = printed.splitlines()[:3]
    assert header.split()[:4] == ["lab", "frames", "draw", "ms"] and "fps max" in header and "load" in header
    assert playground.startswith("playground") and len(playground.split()) == 1 + len(labs.COLUMNS)
    assert broken.startswith("broken") and "ERROR AttributeError" in broken and "NoSuchLab" in broken
    assert "load" in printed and f"wrote {out}" in printed
    results = json.loads(out.read_text())
    assert set(results) == {"machine", "labs"} and set(results["labs"]) == {"playground", "broken"}
    assert {"cpus", "load", "load_after", "seconds_per_lab", "targets"} <= set(results["machine"])
    row = results["labs"]["playground"]
    assert ROW_KEYS <= set(row), ROW_KEYS - set(row)
    assert row["lab"] == "Playground" and row["frames"] >= 2 and row["control"] == "seed"
    numbers = [row[k] for k in ("draw_ms_median", "draw_ms_p90", "work_ms_median", "fps_achievable", "control_ms")]
    assert all(isinstance(v, float) and np.isfinite(v) and v > 0 for v in numbers), row
    assert row["draw_ms_p90"] >= row["draw_ms_median"]
    assert row["frame_bytes_median"] > 0 and row["bytes_per_frame"] >= row["frame_bytes_median"] // 2
    assert set(results["labs"]["broken"]) == {"lab", "error", "load_after"}


def test_an_unknown_lab_is_named_with_the_choices(capsys):
    with pytest.raises(SystemExit):
        labs.main(["--labs", "--only", "playgrund"])
    err = capsys.readouterr().err
    assert "unknown lab(s) playgrund" in err and "playground" in err and "metrics" in err


class StillLab(base.Lab):
    """A lab that nothing trains: one slider, one chart-like widget its draw() sets."""

    name = "still"

    def __init__(self):
        super().__init__()
        self.controls["level"] = W.IntSlider(value=0, min=0, max=5)
        self.shown = W.HTML()
        self.observe(self.redraw_when_idle, "level")
        self.layout(view=self.shown)

    def draw(self):
        self.shown.value = "x" * (100 + self.controls["level"].value)


def test_a_lab_that_nothing_trains_is_measured_on_its_control_redraws(monkeypatch):
    monkeypatch.setattr(widgets, "StillLab", StillLab, raising=False)
    row = labs.measure("still", case=labs.LabCase("StillLab", {}, None, "level"))
    assert row["frames"] == labs.IDLE_MOVES and row["control"] == "level" and row["control_ms"] > 0
    assert row["frame_messages_median"] == 1 and row["frame_bytes_median"] > 100
    assert row["fps_achievable"] == pytest.approx(1000 / row["draw_ms_median"], rel=0.01)
    assert "work_ms_median" not in row and "stop_ms" not in row
