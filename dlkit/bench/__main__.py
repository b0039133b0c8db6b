"""``python -m dlkit.bench``: see :mod:`dlkit.bench`."""
from . import main

main()
