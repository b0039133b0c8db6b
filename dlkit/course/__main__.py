"""``python -m dlkit.course COMMAND ...`` (see :mod:`dlkit.course.cli`)."""
import sys

from .cli import main

sys.exit(main())
