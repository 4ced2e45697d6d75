"""The README's Python example runs and prints what its comments say."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_python_example():
    text = open(os.path.join(ROOT, "README.md")).read()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    out = subprocess.run(
        [sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[:3] == ["Aidon 6515", "1362 W", "9.3 A"]
    assert out[3].startswith('{"meter": {"manufacturer": "Aidon", "id": "7359992890941742"')


def test_readme_starts_with_two_commands():
    lines = open(os.path.join(ROOT, "README.md")).read().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert len(block) == 2
    assert "hanreader demo" in block[0] and "pytest" in block[1]
