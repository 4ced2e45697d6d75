# hostlib/cli/__main__.py: ``python -m hostlib.cli``.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
from . import run

run()
