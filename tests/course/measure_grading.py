"""Measure grading for docs/instructor-guide.md: seconds per student (wall) and per student and worker, and the
memory of each grading kernel (RSS and PSS, sampled from /proc while the class is graded).

    .venv/bin/python -m tests.course.measure_grading [--students 8] [--workers 1 2] [--repeat 2]

Writes test-artifacts/course/grading-measured.json; prints the load average around each run (the numbers of a
busy machine are not an idle machine's: say which).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from dlkit.course.autograde import grade
from dlkit.course.coursedir import CHECKOUT
from dlkit.course.release import prepare
from tests.course.submissions import ASSIGNMENT, NAME, answered

OUT = CHECKOUT / "test-artifacts" / "course" / "grading-measured.json"
SAMPLE_SECONDS = 0.5
KERNEL = b"ipykernel_launcher"
KB_PER_MB = 1024


def _kernels():
    """{pid: (rss MB, pss MB)} of every running ipykernel."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if KERNEL not in (proc / "cmdline").read_bytes():
                continue
            sizes = dict(line.split(":", 1) for line in (proc / "smaps_rollup").read_text().splitlines()[1:])
        except OSError:
            continue
        found[int(proc.name)] = tuple(int(sizes[k].split()[0]) / KB_PER_MB for k in ("Rss", "Pss"))
    return found


class KernelMemory(threading.Thread):
    """The largest RSS and PSS each kernel reached while the thread ran."""

    def __init__(self, before):
        super().__init__(daemon=True)
        self.before, self.peak, self.stop = set(before), {}, threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid, (rss, pss) in _kernels().items():
                if pid not in self.before:
                    old = self.peak.get(pid, (0.0, 0.0))
                    self.peak[pid] = (max(old[0], rss), max(old[1], pss))
            time.sleep(SAMPLE_SECONDS)


def _class(workdir, students):
    nb = answered()
    for i in range(students):
        folder = workdir / "submitted" / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(folder / NAME))


def measure(students, workers_list, repeat):
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp) / "work"
        prepare(workdir, [ASSIGNMENT])
        _class(workdir, students)
        for workers in workers_list:
            for _ in range(repeat):
                load_before = os.getloadavg()
                memory = KernelMemory(_kernels())
                memory.start()
                start = time.monotonic()
                results = grade(workdir, [ASSIGNMENT], workers=workers, quiet=True, warm=False)[ASSIGNMENT]
                seconds = time.monotonic() - start
                memory.stop.set()
                memory.join()
                assert all(r.score == r.max_score for r in results), [r.reasons for r in results]
                rss = sorted(v[0] for v in memory.peak.values())
                pss = sorted(v[1] for v in memory.peak.values())
                runs.append({"workers": workers, "students": students, "seconds": round(seconds, 1),
                             "seconds_per_student": round(seconds / students, 2),
                             "seconds_per_student_and_worker": round(seconds * workers / students, 2),
                             "kernels_seen": len(rss), "kernel_rss_mb": [round(rss[0]), round(rss[-1])] if rss else [],
                             "kernel_pss_mb": [round(pss[0]), round(pss[-1])] if pss else [],
                             "load_before": [round(x, 2) for x in load_before],
                             "load_after": [round(x, 2) for x in os.getloadavg()]})
                print(json.dumps(runs[-1]), flush=True)
    return {"cpus": os.cpu_count(), "runs": runs}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=8)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args(argv)
    found = measure(args.students, args.workers, args.repeat)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(found, indent=1))
    print(OUT)


if __name__ == "__main__":
    main()
