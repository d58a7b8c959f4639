"""The README's commands and code blocks are the user's first contact: they must stay true."""

import re
import subprocess
import sys
from pathlib import Path

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


def test_every_python_block_in_the_readme_runs(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    for index, block in enumerate(blocks):
        script = tmp_path / f"readme_block_{index}.py"
        script.write_text(block, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"README python block {index} failed:\n{result.stderr[-3000:]}"
