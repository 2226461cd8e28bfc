"""`hpdsl check` as a user runs it: rendered text (golden files), JSON, SARIF, stdin, exit codes.

Golden files: tests/golden/NAME.hp is checked from inside tests/golden and the output
must equal tests/golden/NAME.txt. After an intended change of the rendering, rewrite
them with HPDSL_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hpdsl.checker import check_text
from hpdsl.render import format_line, format_text

from helpers import EXAMPLES, ROOT, hpdsl, hpdsl_command

GOLDEN = os.path.join(ROOT, "tests", "golden")
UPDATE = os.environ.get("HPDSL_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("name", sorted(f[:-3] for f in os.listdir(GOLDEN) if f.endswith(".hp")))
def test_rendered_text_matches_the_golden_file(name):
    result = hpdsl("check", f"{name}.hp", cwd=GOLDEN)
    assert result.stderr == b""
    expected_path = os.path.join(GOLDEN, f"{name}.txt")
    if UPDATE:
        with open(expected_path, "wb") as f:
            f.write(result.stdout)
    with open(expected_path, "rb") as f:
        assert result.stdout.decode() == f.read().decode()
    assert result.returncode == 1


def test_the_text_format_is_the_one_of_the_design_card():
    text = open(os.path.join(GOLDEN, "tuned_on_test.hp")).read()
    analysis = check_text(text, "examples/bad.hp")
    assert format_text(analysis.diagnostics, analysis.source) == (
        "examples/bad.hp:14:26: error[HP103] tuned-on-test: tune scores candidates on split 'test', which has role test\n"
        "   |\n"
        "14 | tune l2 in [0.1, 1.0] on test\n"
        "   |                          ^^^^\n"
        "   = help: score candidates on a validation split, e.g. 'on validation'\n"
        "\n"
    )


def test_clean_files_exit_0():
    result = hpdsl("check", os.path.join(EXAMPLES, "quickstart.hp"))
    assert (result.returncode, result.stdout.decode()) == (0, "All checks passed.\n")


def test_a_folder_is_checked_file_by_file():
    result = hpdsl("check", EXAMPLES)
    assert result.returncode == 0, result.stdout.decode()


def test_warnings_alone_exit_0_and_1_with_strict(tmp_path):
    path = tmp_path / "warn.hp"
    path.write_text(open(os.path.join(EXAMPLES, "quickstart.hp")).read().replace("test on test report mse, rmse, mae, r2\n", ""))
    assert hpdsl("check", str(path)).returncode == 0
    assert hpdsl("check", "--strict", str(path)).returncode == 1


def test_stdin_with_a_filename():
    result = hpdsl("check", "-", "--stdin-filename", "pipeline/train.hp", stdin=b"train on\n")
    assert result.returncode == 1
    assert result.stdout.decode().startswith("pipeline/train.hp:1:9: error[HP001] syntax-error: expected a split name after 'on'")


def test_unreadable_paths_exit_2_without_a_traceback(tmp_path):
    result = hpdsl("check", str(tmp_path / "missing.hp"))
    assert result.returncode == 2
    assert b"cannot read" in result.stderr and b"Traceback" not in result.stderr


def test_usage_errors_exit_2():
    assert hpdsl("check").returncode == 2
    assert hpdsl("check", "--format", "xml", "x.hp").returncode == 2


def test_binary_garbage_is_a_diagnostic(tmp_path):
    path = tmp_path / "garbage.hp"
    path.write_bytes(bytes(range(256)) * 4)
    result = hpdsl("check", str(path))
    assert result.returncode == 1
    assert b"HP001" in result.stdout and b"Traceback" not in result.stderr


def test_json_output_has_the_documented_fields():
    result = hpdsl("check", "--format", "json", os.path.join(GOLDEN, "leaks.hp"))
    assert result.returncode == 1
    found = json.loads(result.stdout)
    assert [d["code"] for d in found] == [d.code for d in check_text(open(os.path.join(GOLDEN, "leaks.hp")).read()).diagnostics]
    first = found[0]
    assert set(first) >= {"path", "code", "name", "severity", "message", "range", "help", "related"}
    assert first["range"]["start"].keys() == {"line", "column"}
    stale = next(d for d in found if d["code"] == "HP108")
    assert stale["related"][0]["message"] == "changed here, after the model was trained"


def test_json_for_a_clean_file_is_an_empty_list():
    result = hpdsl("check", "--format", "json", os.path.join(EXAMPLES, "quickstart.hp"))
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_sarif_output_names_rules_and_locations():
    result = hpdsl("check", "--format", "sarif", os.path.join(GOLDEN, "tuned_on_test.hp"), cwd=ROOT)
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    (res,) = run["results"]
    assert res["ruleId"] == "HP103"
    location = res["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/golden/tuned_on_test.hp"
    assert location["region"]["startLine"] == 14
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "HP103"


def test_the_checker_never_imports_numpy_lark_or_the_data_reader():
    code = (
        "import sys, hpdsl.cli, hpdsl.checker, hpdsl.render;"
        "from hpdsl.checker import check_text;"
        "check_text(open(sys.argv[1]).read());"
        "check_text('data d = csv(\"a/*.csv\", target: \"y\", sep: \";\", missing: [\"\", \"NA\"])\\n');"
        "check_text('data d = parquet(\"a/\", target: \"y\")\\n');"
        "bad = sorted(m for m in ('numpy', 'lark', 'pyarrow', 'polars', 'pandas') if m in sys.modules);"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code, os.path.join(EXAMPLES, "quickstart.hp")],
                         capture_output=True, text=True, cwd=os.path.dirname(ROOT))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_rules_and_explain_are_listed():
    listing = hpdsl("rules").stdout.decode()
    assert "HP103  tuned-on-test" in listing


def test_a_related_location_on_the_same_line_is_shown_under_one_copy_of_it():
    from helpers import RIDGE_PREAMBLE

    analysis = check_text(RIDGE_PREAMBLE + "tune l2 in [0.01, 0.1], l2 in [10.0] on validation\n", "t.hp")
    (duplicate,) = [d for d in analysis.diagnostics if d.code == "HP003"]
    text = format_text([duplicate], analysis.source)
    assert text.count("tune l2 in [0.01, 0.1], l2 in [10.0] on validation") == 1
    assert "^^" in text and "-- first here" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "a.hp"],
        ["check", "a.hp", "b.hp", "--strict"],
        ["check", "--format", "json", "a.hp"],
        ["check", "--format=sarif", "-", "--stdin-filename", "x/y.hp"],
        ["check", "--stdin-filename=x.hp", "-", "--color", "never"],
        ["check", "--", "-odd-name.hp"],
        ["check", "--strict", "--format", "text", "--color=always", "dir"],
    ],
)
def test_the_fast_path_for_check_reads_arguments_as_argparse_does(argv):
    from hpdsl.cli import _check_args, _parser

    fast = _check_args(argv)
    assert fast is not None
    assert vars(fast) == vars(_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [["check"], ["check", "--help"], ["check", "--form", "json", "a.hp"], ["check", "--format", "xml", "a.hp"],
     ["check", "--format"], ["check", "-x", "a.hp"], ["run", "a.hp"], []],
)
def test_anything_else_is_left_to_argparse(argv):
    from hpdsl.cli import _check_args

    assert _check_args(argv) is None


def unreadable_file(tmp_path) -> str:
    """A file that exists and cannot be read: mode 000 for a user; for root (whom mode bits
    do not stop) /proc/self/mem, whose first page is unmapped, so reading fails (EIO)."""
    if os.geteuid() != 0:
        path = tmp_path / "secret.hp"
        path.write_text("model ridge\n")
        path.chmod(0)
        return str(path)
    if not os.path.exists("/proc/self/mem"):
        pytest.fail("running as root, the test needs /proc/self/mem for an unreadable file")
    return "/proc/self/mem"


def test_an_unreadable_file_is_an_error_and_never_all_checks_passed(tmp_path):
    path = unreadable_file(tmp_path)
    alone = hpdsl("check", path)
    assert alone.returncode == 2
    assert alone.stdout == b"" and alone.stderr.decode().startswith(f"hpdsl: cannot read {path}: ")
    beside_a_clean_file = hpdsl("check", path, os.path.join(EXAMPLES, "quickstart.hp"))
    assert beside_a_clean_file.returncode == 2
    assert b"All checks passed" not in beside_a_clean_file.stdout
    beside_a_bad_file = hpdsl("check", path, os.path.join(GOLDEN, "tuned_on_test.hp"))
    assert beside_a_bad_file.returncode == 2
    assert beside_a_bad_file.stdout.decode().endswith("Found 1 error.\n")


def test_a_folder_without_hp_files_is_a_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no workflows here\n")
    result = hpdsl("check", str(tmp_path))
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"hpdsl: no .hp files found in {tmp_path}\n"
    beside_a_clean_file = hpdsl("check", str(tmp_path), os.path.join(EXAMPLES, "quickstart.hp"))
    assert beside_a_clean_file.returncode == 2
    assert b"All checks passed" not in beside_a_clean_file.stdout


def test_a_closed_stdin_is_an_unreadable_input():
    result = hpdsl_with_closed(0, "check", "-")
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr == b"hpdsl: cannot read -: stdin is closed\n"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(fmt):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([*hpdsl_command(), "check", "--format", fmt, os.path.join(GOLDEN, "leaks.hp")],
                                stdout=full, stderr=subprocess.PIPE)
    assert (result.returncode, result.stderr) == (2, b"hpdsl: cannot write to stdout: No space left on device\n")


def test_a_closed_stdout_is_one_line_and_exit_2():
    result = hpdsl_with_closed(1, "check", os.path.join(EXAMPLES, "quickstart.hp"))
    assert (result.returncode, result.stderr) == (2, b"hpdsl: cannot write to stdout: stdout is closed\n")


def test_a_reader_that_goes_away_ends_quietly():
    """As `hpdsl rules | head -1`: the reader closed the pipe, which is no error of hpdsl's."""
    process = subprocess.Popen([*hpdsl_command(), "rules"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # before anything is read: every write meets a closed pipe
    assert process.wait() == 0 and process.stderr.read() == b""


def hpdsl_with_closed(fd: int, *args: str) -> subprocess.CompletedProcess:
    """`hpdsl ARGS` started with file descriptor `fd` (0 stdin, 1 stdout) closed, as `<&-`
    or `>&-` in a shell leave it."""
    return subprocess.run([*hpdsl_command(), *args], stdout=None if fd == 1 else subprocess.PIPE,
                          stderr=subprocess.PIPE, preexec_fn=lambda: os.close(fd))


def test_a_line_with_no_excerpt_is_rendered_like_the_head_of_a_diagnostic():
    """The run's messages that have no span to show (out of memory, too many candidates)
    come from the same renderer as `check`'s: same head, same escaping of the path."""
    assert format_line("w.hp", "the run ran out of memory", code="HP302") == (
        "w.hp: error[HP302] data-error: the run ran out of memory")
    assert format_line("w.hp", "the tune has 15 candidates", 7) == "w.hp:7: the tune has 15 candidates"
    assert format_line("a\x1b[2J.hp", "x", 1) == "a\u241b[2J.hp:1: x"
