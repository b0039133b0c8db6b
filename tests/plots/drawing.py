"""What the plots tests ask of an axis."""
PNG = b"\x89PNG\r\n\x1a\n"


def labelled(ax):
    assert ax.get_xlabel() and ax.get_ylabel()


def markers(ax, marker):
    return [line for line in ax.get_lines() if line.get_marker() == marker]
