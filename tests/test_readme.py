"""The README does not lie: its workflow is the quickstart, its rule table is the registry,
its sample output is what `hpdsl check` prints."""

from __future__ import annotations

import os
import re

from hpdsl.checker import check_text
from hpdsl.diagnostics import RULES
from hpdsl.render import format_text, summary

from helpers import EXAMPLES, ROOT

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
QUICKSTART = open(os.path.join(EXAMPLES, "quickstart.hp"), encoding="utf-8").read()


def test_the_workflow_shown_is_the_quickstart():
    assert "```hp\n" + QUICKSTART + "```" in README


def test_the_rule_table_is_the_registry():
    table = README.split("<!-- rules-table")[1].split("<!-- /rules-table -->")[0]
    rows = re.findall(r"^\| (HP\d{3}) \| (\S+) \| (\w+) \| (.+) \|$", table, flags=re.M)
    assert rows == [(r.code, r.name, r.severity, r.summary) for r in RULES.values()]


def test_the_sample_output_is_what_check_prints():
    bad = QUICKSTART.replace("logspace(-4, 0, 5) on validation", "logspace(-4, 0, 5) on test")
    analysis = check_text(bad, "bad.hp")
    printed = format_text(analysis.diagnostics, analysis.source) + summary(analysis.diagnostics) + "\n"
    assert "$ hpdsl check bad.hp  # exit 1\n" + printed + "```" in README


def test_the_two_commands_are_there():
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/hpdsl run examples/quickstart.hp" in README
    assert "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/pytest" in README
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        assert "pip install '.[test]' && .venv/bin/pytest" in f.read()


def test_the_property_testing_example_runs(tmp_path):
    """The example runs as a user would run it, but once and small: what its properties
    claim, tests/test_properties.py proves at full strength."""
    import subprocess
    import sys

    block = README.split("# test_my_tool.py")[1].split("```")[0]
    path = tmp_path / "test_my_tool.py"
    # Loaded after the example's own profile, so a few examples per property.
    tiny = '\nsettings.register_profile("tiny", deadline=None, max_examples=3)\nsettings.load_profile("tiny")\n'
    path.write_text("# test_my_tool.py" + block + tiny, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout
