"""Hostile input: what a data file or a workflow can make hpdsl print, read and compute.

Nothing echoed from a file comes back whole (a secret, a huge header) or raw (terminal
escapes, bidirectional overrides); nothing that is not a regular file is read (a FIFO
with no writer, /dev/zero); and no search is unbounded (a 300 KB misspelt name, a
20,000-column header).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
import tracemalloc

import pytest
from helpers import EXAMPLES, PREAMBLE, RIDGE_PREAMBLE, diagnostics, hpdsl_command
from hypothesis import given
from hypothesis import strategies as st

from hpdsl.checker import check_text
from hpdsl.checker.models import ALL_HYPERS
from hpdsl.render import format_text, terminal_safe, to_json, to_sarif
from hpdsl.runtime import RunError, run
from hpdsl.suggest import HYPERPARAMETER_ALIASES, MAX_CANDIDATES, distance, nearest

ESC = "\x1b"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, the "Trojan Source" character
QUICKSTART = os.path.join(EXAMPLES, "quickstart.hp")
RIDGE_CV = os.path.join(EXAMPLES, "ridge_cv.hp")
TAIL = "train on train\nevaluate on validation\ntest on test\n"

STEPS = """\
split rows -> train 60%, validation 20%, test 20% seed 3
model ridge
hyper {
    l2: float in [0, 100] = 0.1
}
train on train
evaluate on validation
test on test
"""


def csv_workflow(path: str, target: str = "y") -> str:
    return f'data rows = csv("{path}", target: "{target}")\n' + STEPS


def cli(*args: str, stdin: bytes | None = None, cwd=None, env=None, timeout: float = 30):
    """The installed command in a fresh process; a hang fails the test at `timeout`."""
    return subprocess.run([*hpdsl_command(), *args], input=stdin, capture_output=True, cwd=cwd, env=env,
                          timeout=timeout)


def run_error(folder, text: str):
    """The HP302 diagnostic a run of `text` (a workflow in `folder`) stops with."""
    analysis = check_text(text, os.path.join(str(folder), "w.hp"))
    assert not analysis.errors, analysis.errors
    with pytest.raises(RunError) as caught:
        run(analysis)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "HP302"
    return diagnostic, analysis.source


def write_rows(path, header: list[str], rows: int = 30) -> None:
    lines = [",".join(header)]
    lines += [",".join(str((r * (c + 3)) % 11) for c in range(len(header))) for r in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- leaks: what a data file can make hpdsl echo ----------------------------------------------


def test_a_huge_header_is_listed_capped_in_the_help(tmp_path):
    header = [f"secret_{i}_" + "v" * 200 for i in range(5000)]  # about 1 MB
    write_rows(tmp_path / "big.csv", header, rows=2)
    assert (tmp_path / "big.csv").stat().st_size > 1_000_000
    diagnostic, _ = run_error(tmp_path, csv_workflow("big.csv"))
    assert "has no column 'y'" in diagnostic.message
    assert diagnostic.help.startswith("its columns are secret_0_")
    assert diagnostic.help.endswith(", ... and 4992 more")
    assert len(diagnostic.help) < 500
    assert "v" * 60 not in diagnostic.help  # each name cut short


def test_a_nul_separated_file_is_refused_without_echoing_it(tmp_path):
    # What /proc/self/environ holds: NAME=value records separated by NUL bytes.
    (tmp_path / "environ").write_bytes(b"HOME=/root\0API_TOKEN=hunter2\0PATH=/usr/bin\0")
    diagnostic, _ = run_error(tmp_path, csv_workflow("environ"))
    assert diagnostic.message == "data file 'environ' holds a NUL byte (row 1, byte 11); it is binary, not CSV text"
    assert "hunter2" not in diagnostic.message + (diagnostic.help or "")


def test_a_binary_file_is_refused_before_it_is_read_whole(tmp_path):
    with open(tmp_path / "zeros.csv", "wb") as handle:
        handle.truncate(256 << 20)  # 256 MB of NUL bytes, sparse on disk
    run_error(tmp_path, csv_workflow("zeros.csv"))  # the first run imports the runtime: not measured
    tracemalloc.start()
    try:
        diagnostic, _ = run_error(tmp_path, csv_workflow("zeros.csv"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert diagnostic.message.startswith("data file 'zeros.csv' holds a NUL byte (row 1, byte 1)")
    assert peak < 16 << 20, peak  # the first 64 KB were read, not 256 MB


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="needs Linux's /proc")
def test_proc_self_environ_does_not_print_the_environment(tmp_path):
    (tmp_path / "w.hp").write_text(csv_workflow("/proc/self/environ"), encoding="utf-8")
    env = dict(os.environ, HPDSL_TEST_SECRET="s3cr3t-value-that-must-not-leak")
    result = cli("run", str(tmp_path / "w.hp"), env=env)
    assert result.returncode == 3
    assert b"error[HP302]" in result.stderr and b"NUL byte" in result.stderr
    assert b"s3cr3t" not in result.stderr + result.stdout
    assert len(result.stderr) < 2000


def test_every_name_and_cell_echoed_from_a_data_file_is_cut_short(tmp_path):
    long_name = "n" * 500
    write_rows(tmp_path / "d.csv", ["a", long_name, long_name, "y"])
    diagnostic, _ = run_error(tmp_path, csv_workflow("d.csv"))
    assert diagnostic.message == (f"row 1 of 'd.csv' (the header) names column '{'n' * 37}...' twice "
                                  "(columns 2 and 3)")
    (tmp_path / "e.csv").write_text("a,y\n1,2\n" + "x" * 5000 + ",3\n", encoding="utf-8")
    diagnostic, _ = run_error(tmp_path, csv_workflow("e.csv"))
    assert diagnostic.message == f"row 3, column 'a' of 'e.csv' holds '{'x' * 37}...', not a number"


# ---- terminal safety ----------------------------------------------------------------------------


def test_terminal_safe_escapes_controls_and_bidirectional_characters():
    assert terminal_safe("plain text, ~!") == "plain text, ~!"
    assert terminal_safe("é, 日本, ∑") == "é, 日本, ∑"  # printable non-ASCII is kept
    assert terminal_safe(f"{ESC}]0;pwned\a") == "\u241b]0;pwned\u2407"
    assert terminal_safe("a\0b\rc\x7f") == "a\u2400b\u240dc\u2421"
    assert terminal_safe("\x85") == "\\u{0085}"  # a C1 control
    assert terminal_safe(f"admin{RLO}\u2066x\u2069") == "admin\\u{202e}\\u{2066}x\\u{2069}"
    assert terminal_safe("zero\u200bwidth\ufeff") == "zero\\u{200b}width\\u{feff}"
    assert terminal_safe("line\u2028sep") == "line\\u{2028}sep"
    assert terminal_safe("a\tb") == "a    b"
    assert terminal_safe("bad\udc80name") == "bad\\u{dc80}name"  # an undecodable file name


def hostile_features(name: str) -> str:
    """A workflow whose check echoes `name` (a string of the file) in a message."""
    return f'data rows = csv("d.csv", target: "y", features: ["{name}", "{name}"])\n' + STEPS


def test_an_escape_in_a_workflow_string_is_shown_escaped_in_text_and_kept_in_json():
    name = f"a{ESC}]0;pwned\a{RLO}"
    text = hostile_features(name)
    found = diagnostics(text)
    assert [(d.code, d.message) for d in found] == [("HP003", f"column '{name}' is listed twice in features")]
    source = check_text(text, "test.hp").source
    shown = format_text(found, source)
    assert ESC not in shown and "\a" not in shown and RLO not in shown
    assert "column 'a\u241b]0;pwned\u2407\\u{202e}' is listed twice" in shown  # the message
    assert 'features: ["a\u241b]0;pwned\u2407\\u{202e}", ' in shown  # the source line
    assert to_json(found[0], source)["message"] == f"column '{name}' is listed twice in features"


def test_a_control_character_in_the_code_is_shown_escaped_under_the_carets():
    text = PREAMBLE + f"train on tr{ESC}]0;pwned\aain\n" + TAIL
    found = diagnostics(text)
    assert [(d.code, d.message) for d in found] == [
        ("HP001", "expected '{', '+' or the end of the line after 'tr', found control character U+001B")]
    lines = format_text(found, check_text(text, "test.hp").source).splitlines()
    assert lines[2].endswith("| train on tr\u241b]0;pwned\u2407ain")
    assert lines[3] == "   |" + " " * 12 + "^"  # under the escape's control picture


def test_check_json_and_sarif_carry_the_raw_text_as_escaped_json(tmp_path):
    path = tmp_path / "w.hp"
    path.write_text(hostile_features(f"a{RLO}"), encoding="utf-8")
    text = cli("check", str(path))
    assert RLO.encode() not in text.stdout and b"column 'a\\u{202e}' is listed twice" in text.stdout
    as_json = cli("check", "--format", "json", str(path))
    assert as_json.stdout.isascii()  # \u202e, not the raw character, in the JSON text
    assert json.loads(as_json.stdout)[0]["message"] == f"column 'a{RLO}' is listed twice in features"
    found = check_text(hostile_features(f"a{RLO}"), str(path))
    sarif = json.dumps(to_sarif([(d, found.source) for d in found.diagnostics]))
    assert json.loads(sarif)["runs"][0]["results"][0]["message"]["text"] == json.loads(as_json.stdout)[0]["message"]


def test_carets_stay_under_the_span_after_tabs_and_controls():
    name = f"\tb{ESC}c{RLO}d"
    text = f'data rows = csv("d.csv", target: "y", features: ["\t{ESC}", "{name}", "{name}"])\n' + STEPS
    found = diagnostics(text)
    assert [d.code for d in found] == ["HP003"]
    lines = format_text(found, check_text(text, "test.hp").source).splitlines()
    source_line, carets = lines[2], lines[3]
    shown_name = '"    b\u241bc\\u{202e}d"'
    start = source_line.index(shown_name)  # the first of the two is marked
    assert source_line == f'1 | data rows = csv("d.csv", target: "y", features: ["    \u241b", {shown_name}, {shown_name}])'
    assert carets.index("^") == start
    assert carets[start:] == "^" * len(shown_name)


def test_escapes_in_a_csv_header_and_cell_are_shown_escaped(tmp_path):
    write_rows(tmp_path / "d.csv", [f"a{ESC}[2J", f"b{RLO}", "y"])
    diagnostic, source = run_error(tmp_path, csv_workflow("d.csv", target="z"))
    assert diagnostic.help == f"its columns are a{ESC}[2J, b{RLO}, y"  # the data keeps the raw names
    shown = format_text([diagnostic], source)
    assert ESC not in shown and RLO not in shown
    assert "its columns are a\u241b[2J, b\\u{202e}, y" in shown

    (tmp_path / "c.csv").write_text(f"a,y\n1,2\n3{ESC}]0;x\a,4\n", encoding="utf-8")
    diagnostic, source = run_error(tmp_path, csv_workflow("c.csv"))
    assert f"holds '3{ESC}]0;x\a'" in diagnostic.message
    assert "holds '3\u241b]0;x\u2407', not a number" in format_text([diagnostic], source)


def test_the_run_summary_shows_feature_names_escaped(tmp_path):
    write_rows(tmp_path / "d.csv", [f"a{ESC}[2J", f"b{RLO}", "y"])
    report = run(check_text(csv_workflow("d.csv"), str(tmp_path / "w.hp")))
    summary = report.summary()
    assert ESC not in summary and RLO not in summary
    assert "\n  a\u241b[2J " in summary and "\n  b\\u{202e} " in summary
    assert report.data["data"]["features"] == [f"a{ESC}[2J", f"b{RLO}"]  # the report keeps the raw names


# ---- hangs: only regular files are read ---------------------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")


@needs_fifo
def test_a_fifo_with_no_writer_as_data_is_hp302_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "w.hp").write_text(csv_workflow("pipe.csv"), encoding="utf-8")
    started = time.perf_counter()
    result = cli("run", str(tmp_path / "w.hp"), timeout=30)
    assert time.perf_counter() - started < 20
    assert result.returncode == 3
    assert (b"error[HP302] data-error: data file 'pipe.csv' is a FIFO (named pipe); "
            b"hpdsl reads regular files only") in result.stderr


@needs_fifo
def test_a_fifo_as_the_workflow_does_not_hang_and_stdin_still_works(tmp_path):
    os.mkfifo(tmp_path / "w.hp")
    for command in ("check", "run"):
        result = cli(command, str(tmp_path / "w.hp"), timeout=30)
        assert result.returncode == 2
        assert b"is a FIFO (named pipe); hpdsl reads regular files only" in result.stderr
    with open(QUICKSTART, "rb") as handle:
        result = cli("check", "-", stdin=handle.read())
    assert result.returncode == 0 and result.stdout == b"All checks passed.\n"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_as_data_is_hp302_at_once(tmp_path):
    device = "/dev/zero"  # /dev/urandom is a character device too: the same test of the file's kind
    (tmp_path / "w.hp").write_text(csv_workflow(device), encoding="utf-8")
    result = cli("run", str(tmp_path / "w.hp"), timeout=30)
    assert result.returncode == 3
    assert f"data file '{device}' is a character device; hpdsl reads regular files only".encode() in result.stderr


def test_a_directory_as_data_is_hp302(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    diagnostic, _ = run_error(tmp_path, csv_workflow("folder.csv"))
    assert diagnostic.message == "data file 'folder.csv' is a directory; hpdsl reads regular files only"


def test_a_symbolic_link_to_a_regular_file_is_read(tmp_path):
    write_rows(tmp_path / "real.csv", ["a", "b", "y"])
    os.symlink(tmp_path / "real.csv", tmp_path / "link.csv")
    analysis = check_text(csv_workflow("link.csv"), str(tmp_path / "w.hp"))
    assert run(analysis).data["data"]["rows"] == 30
    assert stat.S_ISLNK(os.lstat(tmp_path / "link.csv").st_mode)


# ---- unbounded searches -------------------------------------------------------------------------


def test_a_300_kb_misspelt_name_is_checked_quickly():
    long_name = "trian" + "x" * 300_000
    diagnostics(PREAMBLE + TAIL)  # the parser is built on first use: not timed
    for text in (PREAMBLE + f"train on {long_name}\n" + TAIL,
                 PREAMBLE.replace("model linear_regression", f"model {long_name}"),
                 PREAMBLE + f"set {long_name} = 1\n" + TAIL):
        started = time.perf_counter()
        found = diagnostics(text)
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0, elapsed  # about 0.05 s; the unbounded search took 10 s and more
        assert any(d.code in ("HP002", "HP005") for d in found)
        assert not any("did you mean" in (d.help or "") for d in found)


def test_the_suggestion_search_is_bounded():
    assert nearest("trian", ["train"]) == "train"
    assert nearest("x" * 41, ["x" * 40]) is None  # over MAX_NAME: no search at all
    assert nearest("x" * 40, ["x" * 39]) == "x" * 39
    many = [f"name{i:04d}" for i in range(MAX_CANDIDATES)] + ["target"]
    assert nearest("targt", many) is None  # beyond the first MAX_CANDIDATES
    assert nearest("targt", many[-MAX_CANDIDATES:]) == "target"
    started = time.perf_counter()
    assert nearest("trian", ["t" + "r" * 300_000]) is None
    assert time.perf_counter() - started < 0.5


@given(st.text("abcd", max_size=9), st.text("abcd", max_size=9), st.integers(0, 5))
def test_the_bounded_distance_agrees_with_the_full_one(a, b, max_cost):
    assert distance(a, b, max_cost) == min(distance(a, b), max_cost + 1)


def test_a_20000_column_header_with_a_duplicate_is_checked_in_linear_time(tmp_path):
    header = [f"col{i}" for i in range(20_000)] + ["col5", "y"]
    (tmp_path / "wide.csv").write_text(",".join(header) + "\n" + ",".join("1" for _ in header) + "\n",
                                       encoding="utf-8")
    run_error(tmp_path, csv_workflow("wide.csv"))  # the first run imports the runtime: not timed
    started = time.perf_counter()
    diagnostic, _ = run_error(tmp_path, csv_workflow("wide.csv"))
    elapsed = time.perf_counter() - started
    assert diagnostic.message == "row 1 of 'wide.csv' (the header) names column 'col5' twice (columns 6 and 20001)"
    assert elapsed < 1.0, elapsed  # about 0.05 s; the list.index scan took 2.5 to 4.5 s


# ---- messages a new user trips on ---------------------------------------------------------------


def test_set_lr_suggests_learning_rate():
    found = check_text(PREAMBLE + TAIL, "w.hp", overrides=["lr=0.1"]).diagnostics
    assert [(d.code, d.message, d.help) for d in found] == [
        ("HP005", "linear_regression has no hyperparameter 'lr'", "did you mean 'learning_rate'?")]
    # A ridge has no learning rate: lr is no typo of l2, so its hyperparameters are listed.
    found = check_text(RIDGE_PREAMBLE + TAIL, "w.hp", overrides=["lr=0.1"]).diagnostics
    assert [(d.message, d.help) for d in found] == [
        ("ridge has no hyperparameter 'lr'", "its hyperparameters are l2, seed")]
    assert nearest("alpha", ["l2", "seed"], aliases=HYPERPARAMETER_ALIASES) == "l2"  # scikit-learn's name
    # Elsewhere an abbreviation is just a name: a misspelt column 'eta' may be 'beta'.
    assert nearest("eta", ["theta", "beta"]) == "beta"


def test_every_abbreviation_names_a_real_hyperparameter():
    assert set(HYPERPARAMETER_ALIASES.values()) <= set(ALL_HYPERS)
    assert not set(HYPERPARAMETER_ALIASES) & set(ALL_HYPERS)


@pytest.mark.parametrize("override, example", [("l2=abc", "--set l2=0.1"), ("l2=abc+1", "--set l2=0.1"),
                                               ("epochs=many", "--set epochs=10")])
def test_set_a_word_says_it_is_not_a_number(override, example):
    found = check_text(PREAMBLE + TAIL, "w.hp", overrides=[override]).diagnostics
    word = override.split("=")[1].split("+")[0]
    assert [(d.code, d.message) for d in found] == [("HP004", f"'{word}' is not a number")]
    assert found[0].help == f"--set takes a number or an arithmetic expression of numbers, e.g. {example}"
    assert found[0].source.text[found[0].span.start:found[0].span.end] == word


def test_set_a_hyperparameter_by_name_still_works():
    found = check_text(PREAMBLE + TAIL, "w.hp",
                       overrides=["l2=learning_rate * 2"]).diagnostics
    assert found == []


def test_set_from_the_command_line_shows_the_new_messages():
    result = cli("run", RIDGE_CV, "--set", "l2=abc")
    assert result.returncode == 1
    assert b"error[HP004] out-of-domain: 'abc' is not a number" in result.stderr
    assert b"has no hyperparameter 'abc'" not in result.stderr


@pytest.mark.parametrize("size", ["rows: 100, features: 1e15", "rows: 1e300, features: 1e300",
                                  "rows: 100000, features: 10001"])
def test_a_huge_synthetic_data_set_is_a_check_error(size):
    text = PREAMBLE.replace("rows: 200, features: 3", size) + TAIL
    found = diagnostics(text)
    assert [d.code for d in found] == ["HP004"]
    assert found[0].message.endswith("is too large: at most 1,000,000,000 numbers are generated")


def test_the_largest_allowed_synthetic_size_passes_the_check():
    text = PREAMBLE.replace("rows: 200, features: 3", "rows: 100000, features: 10000") + TAIL
    assert diagnostics(text) == []


def test_a_huge_synthetic_data_set_is_no_traceback_from_the_command_line(tmp_path):
    (tmp_path / "w.hp").write_text(PREAMBLE.replace("features: 3", "features: 1e15") + TAIL, encoding="utf-8")
    result = cli("run", str(tmp_path / "w.hp"))
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"error[HP004] out-of-domain: synthetic data of 200 rows x about 10^15 features" in result.stderr



def test_carets_stay_under_the_span_after_wide_and_combining_characters():
    text = 'data rows = csv("データ.csv", target: "e\u0301", features: ["x", "x"])\n' + STEPS
    found = diagnostics(text)
    assert [d.code for d in found] == ["HP003"]
    lines = format_text(found, check_text(text, "test.hp").source).splitlines()
    # The three wide characters take six columns, the combining accent none: 54 before the mark.
    assert lines[2] == '1 | data rows = csv("データ.csv", target: "e\u0301", features: ["x", "x"])'
    assert lines[3] == "  | " + " " * 54 + "^^^"


def test_a_long_line_and_a_long_message_are_shown_cut_in_text_and_whole_in_json():
    long_name = "trian" + "x" * 300_000
    text = PREAMBLE + f"train on {long_name}\n" + TAIL
    found = diagnostics(text)
    source = check_text(text, "test.hp").source
    shown = format_text(found, source)
    assert len(shown) < 2000
    lines = shown.splitlines()
    assert lines[0].endswith("no split named '" + "trian" + "x" * 479 + "... (299,522 more characters)")
    assert lines[2] == "11 | train on trian" + "x" * 186 + "..."  # a window of 200 characters
    assert lines[3] == "   |" + " " * 10 + "^" * 191
    assert to_json(found[0], source)["message"] == f"no split named '{long_name}'"


def test_a_mark_far_into_a_long_line_is_shown_in_a_window_around_it():
    metrics = ", ".join(["mse"] * 100)
    text = PREAMBLE + f"train on train\nevaluate on validation report {metrics}, msee, r2\ntest on test\n"
    found = [d for d in diagnostics(text) if d.code == "HP005"]
    assert [d.message for d in found] == ["unknown metric 'msee'"]
    lines = format_text(found, check_text(text, "test.hp").source).splitlines()
    assert lines[2] == "12 | ..." + "mse, " * 10 + "msee, r2"  # 50 characters before the mark
    assert lines[3] == "   | " + " " * 53 + "^^^^"


def test_a_synthetic_target_that_overflows_is_hp302_without_a_warning(tmp_path):
    path = tmp_path / "w.hp"
    path.write_text("data d = synthetic(rows: 50, features: 2, noise: 1e308, seed: 0)\n"
                    "split d -> train 60%, validation 20%, test 20% seed 1\nmodel ridge\n"
                    "hyper {\n    l2: float = 0\n}\ntrain on train\nevaluate on validation\ntest on test\n")
    result = subprocess.run([*hpdsl_command(), "run", str(path)], capture_output=True, text=True)
    assert result.returncode == 3
    assert "error[HP302] data-error: the synthetic target overflows float64 (noise 1e+308)" in result.stderr
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
