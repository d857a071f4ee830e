"""``python -m salesplan …``: the same command line as ``salesplan …``."""
import sys

from salesplan.cli import main

sys.exit(main())
