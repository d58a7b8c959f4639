"""The README's commands and code blocks are the user's first contact: they must stay true."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def first_code_block_lines():
    block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_exactly_two_commands():
    assert README.lstrip().startswith("# keras_bert")
    lines = first_code_block_lines()
    assert len(lines) == 2
    assert "pytest" in lines[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci_script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert first_code_block_lines()[1] in ci_script.splitlines()


RUNNER = """
import sys, traceback
blocks = {blocks!r}
namespace = {{"__name__": "__main__"}}
for index, block in enumerate(blocks):
    try:
        exec(compile(block, f"README python block {{index}}", "exec"), namespace)
    except Exception:
        traceback.print_exc()
        sys.exit(f"README python block {{index}} failed")
"""


@pytest.mark.slow  # ~2 min on 2 cores: every README block, one script
def test_every_python_block_in_the_readme_runs_as_one_script(tmp_path):
    # The blocks are a tour: later ones use what earlier ones made, as in a notebook.
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 6
    script = tmp_path / "readme_tour.py"
    script.write_text(RUNNER.format(blocks=blocks), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-4000:]
