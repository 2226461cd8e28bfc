"""The editor's view of the ledger: hovering a `test` step tells how often these test rows
were scored and by how many versions, read-only, without numpy, and only when a ledger
with a recorded run of this workflow exists."""

from __future__ import annotations

import os
import subprocess
import sys

from hpdsl.lsp.document import Snapshot
from hpdsl.lsp.hover import hover

from helpers import hpdsl
from test_ledger import WORKFLOW, workflow


def test_hover(path: str, text: str | None = None) -> str:
    text = text if text is not None else open(path, encoding="utf-8").read()
    snap = Snapshot("file://" + path, 1, text, path)
    found = hover(snap, text.index("test on test") + 1)
    return found.contents.value


test_hover.__test__ = False  # a helper, though its name says test


def test_hover_on_the_test_step_counts_the_looks_by_version(tmp_path, private_ledger):
    path = workflow(tmp_path)
    assert "Test-use ledger" not in test_hover(path)  # no ledger yet
    assert not os.path.exists(private_ledger)  # and the hover did not create one
    assert hpdsl("run", path, "--quiet").returncode == 0
    assert hpdsl("run", path, "--quiet", "--set", "l2=2").returncode == 3
    assert hpdsl("run", path, "--quiet", "--set", "l2=2", "--supersede", "1").returncode == 0
    before = open(private_ledger, "rb").read(), os.stat(private_ledger).st_mtime_ns
    shown = test_hover(path)
    assert shown.startswith("**test**")
    assert "entry 2) were scored 2 times by 2 versions, 1 of them other than this text (entries 1, 2)." in shown
    assert "would be refused" not in shown  # the text itself is entry 1's version
    changed = open(path, encoding="utf-8").read().replace("[0.1, 1, 10]", "[0.5, 5]")
    assert "a new version: run as it is, it would be refused (HP304)" in test_hover(path, changed)
    assert (open(private_ledger, "rb").read(), os.stat(private_ledger).st_mtime_ns) == before


def test_hover_elsewhere_and_on_other_workflows_says_nothing_of_the_ledger(tmp_path):
    path = workflow(tmp_path)
    assert hpdsl("run", path, "--quiet").returncode == 0
    other = workflow(tmp_path, "other.hp")
    os.rename(path, path + ".moved")
    assert "Test-use ledger" not in test_hover(other)
    text = WORKFLOW.format(data_seed=4, split_seed=2, candidates="[1]")
    snap = Snapshot("file://" + other, 1, text, other)
    tune = hover(snap, text.index("tune l2") + 1).contents.value
    assert "Test-use ledger" not in tune


def test_the_checker_never_imports_the_ledger_and_the_query_never_imports_numpy(tmp_path, private_ledger):
    path = workflow(tmp_path)
    assert hpdsl("run", path, "--quiet").returncode == 0
    code = (
        "import sys\n"
        "import hpdsl.checker\n"
        "assert not any(m.startswith('hpdsl.ledger') for m in sys.modules), 'the checker imported the ledger'\n"
        "from hpdsl.checker import check_text\n"
        "from hpdsl.ledger.query import test_history\n"
        f"path = {path!r}\n"
        "found = test_history(path, check_text(open(path).read(), path).program)\n"
        "assert found['looks'] == 1 and found['known'], found\n"
        "assert 'numpy' not in sys.modules, 'the ledger query imported numpy'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
