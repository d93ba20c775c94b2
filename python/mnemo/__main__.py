"""python3 -m mnemo: the mnemo command line through the Python bindings."""
import sys

from .cli import main

sys.exit(main())
