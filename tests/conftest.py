import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in (ROOT, os.path.join(ROOT, "tests")):
    if p not in sys.path:
        sys.path.insert(0, p)

try:
    from hypothesis import settings

    # CI runs the full counts; HYPOTHESIS_PROFILE=quick for a fast local loop.
    settings.register_profile("ci", deadline=None, print_blob=True)
    settings.register_profile("quick", deadline=None, max_examples=50)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # pragma: no cover
    pass
