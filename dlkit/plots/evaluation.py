"""Charts of a classifier's evaluation: the confusion matrix, the precision–recall curve, and score bars."""
from __future__ import annotations

import numpy as np

from .axes import legend, title
from .palette import BLACK, BLUE, GREEN, GREY, ORANGE, PURPLE, SKY, SMALL, VERMILLION

DARK_CELL = 0.6            # a cell above this share of the largest count is dark: its number is written white
MANY_CLASSES = 6           # above this, the cells' numbers are written smaller
F1_LINES = (0.2, 0.4, 0.6, 0.8)
SCORE_COLORS = (BLUE, GREEN, ORANGE, PURPLE, SKY)


def confusion_matrix(ax, cm, class_names=None, heading=None):
    """Counts (C, C), row = true class, column = predicted, each cell annotated."""
    cm = np.asarray(cm)
    C = cm.shape[0]
    names = class_names or [str(k) for k in range(C)]
    image = ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(int(cm.max()), 1))
    small = C > MANY_CLASSES
    for i in range(C):
        for j in range(C):
            dark = cm[i, j] > DARK_CELL * cm.max()
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=SMALL - (1 if small else -1),
                    color="white" if dark else BLACK)
    ax.set_xticks(range(C), names, fontsize=SMALL)
    ax.set_yticks(range(C), names, fontsize=SMALL)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if heading:
        title(ax, heading)
    return image


def precision_recall(ax, precision, recall, point=None, point_label=None, base_rate=None):
    """The precision–recall curve (step-wise, as scikit-learn draws it), F1 iso-lines, the current threshold's
    point, and the precision of a random classifier (the positive rate)."""
    _f1_lines(ax)
    ax.step(recall, precision, where="post", color=BLUE, lw=1.8, label="precision–recall curve")
    if base_rate is not None:
        ax.axhline(base_rate, color=BLACK, ls=":", lw=1, label=f"random guessing ({base_rate:.2f})")
    if point is not None:
        ax.plot([point[0]], [point[1]], marker="o", ms=9, color=VERMILLION, mec=BLACK, ls="none",
                label=point_label or "threshold")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("recall = TP / (TP + FN)")
    ax.set_ylabel("precision = TP / (TP + FP)")
    legend(ax, loc="lower left")
    return ax


def _f1_lines(ax):
    """Grey lines of equal F1 = 2 p r / (p + r), each named at its end: p = F1 r / (2 r - F1)."""
    r = np.linspace(0.01, 1, 200)
    for f1 in F1_LINES:
        p = f1 * r / (2 * r - f1)
        ok = (p > 0) & (p <= 1.05)
        ax.plot(r[ok], p[ok], color=GREY, lw=0.6, alpha=0.6)
        ax.annotate(f"F1={f1}", (r[ok][-1], min(p[ok][-1], 1.02)), fontsize=SMALL - 1, color=GREY)


def score_bars(ax, scores, reference=None):
    """Horizontal bars of {name: value in [0, 1]}, values printed; ``reference`` {name: value} adds ticks
    (e.g. what always predicting the majority class would score)."""
    names = list(scores)
    values = [scores[n] for n in names]
    ys = np.arange(len(names))[::-1]
    ax.barh(ys, values, color=list(SCORE_COLORS[:len(names)]), height=0.6)
    for y, v in zip(ys, values):
        ax.text(min(v + 0.02, 0.9), y, f"{v:.3f}", va="center", fontsize=SMALL + 1)
    label = "always predicting the majority class"
    for y, n in zip(ys, names):
        if reference and n in reference:
            ax.plot([reference[n]] * 2, [y - 0.35, y + 0.35], color=VERMILLION, lw=2.5, label=label)
            label = None
    ax.set_yticks(ys, names)
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("score (0 to 1)")
    legend(ax, loc="lower right")
    return ax
