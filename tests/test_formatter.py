"""The formatter: black-style case files in tests/formatter/, and `hpdsl fmt` end to end.

Each case file holds an input, a line `# output`, then the expected output (no such line:
the input is already canonical). Every case is checked for the expected text and for
black's invariants: the same AST after formatting, a second pass changes nothing, and
every comment survives.
"""

from __future__ import annotations

import os
import stat
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hpdsl import nodes as n
from hpdsl.formatter import format_program, format_source
from hpdsl.source import Source, Span
from hpdsl.syntax import parse

from helpers import EXAMPLES, ROOT, hpdsl

CASES = os.path.join(ROOT, "tests", "formatter")
MARKER = "# output\n"


def read_case(name: str) -> tuple[str, str]:
    with open(os.path.join(CASES, name), encoding="utf-8", newline="") as f:
        text = f.read()
    source, marker, expected = text.partition(MARKER)
    return source, expected if marker else source


CASE_NAMES = sorted(name for name in os.listdir(CASES) if name.endswith(".hp"))


def program_of(text: str) -> n.Program:
    result = parse(Source(text.removeprefix("\ufeff")))
    assert result.ok, [d.message for d in result.diagnostics]
    return result.program


def comment_texts(program: n.Program) -> list[str]:
    return [c.text.strip() for c in program.comments]


def assert_formats(source: str, expected: str | None = None) -> str:
    """Black's checks: the expected text, equivalence, stability, comments kept."""
    result = format_source(source)
    assert result.diagnostics == []
    formatted = result.text
    if expected is not None:
        assert formatted == expected
    before, after = program_of(source), program_of(formatted)
    assert after == before
    assert comment_texts(after) == comment_texts(before)
    assert format_source(formatted).text == formatted
    assert formatted == "" or (formatted.endswith("\n") and not formatted.endswith("\n\n"))
    assert all(line == line.rstrip() for line in formatted.split("\n"))
    assert "\n\n\n" not in formatted and "\r" not in formatted
    return formatted


def test_there_are_cases():
    assert {"quickstart.hp", "empty.hp", "comments_only.hp", "comments.hp"} <= set(CASE_NAMES)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(name):
    source, expected = read_case(name)
    assert_formats(source, expected)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_with_crlf_and_bom(name):
    source, expected = read_case(name)
    assert_formats("\ufeff" + source.replace("\n", "\r\n"), expected)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_with_tabs_and_trailing_whitespace(name):
    source, expected = read_case(name)
    messy = "".join(f"\t {line} \t\n" for line in source.split("\n")[:-1])
    assert_formats(messy, expected)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_without_the_source_text_keeps_meaning_and_comments(name):
    """Given only the tree, comments still all come back, in order."""
    source, _ = read_case(name)
    program = program_of(source)
    formatted = format_program(program)
    again = program_of(formatted)
    assert again == program
    assert comment_texts(again) == comment_texts(program)


EXAMPLE_FILES = sorted(
    os.path.relpath(os.path.join(folder, name), EXAMPLES)
    for folder, _, names in os.walk(EXAMPLES)
    for name in names
    if name.endswith(".hp")
)


def test_there_are_examples():
    assert "quickstart.hp" in EXAMPLE_FILES


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_is_canonical(name):
    with open(os.path.join(EXAMPLES, name), encoding="utf-8", newline="") as f:
        text = f.read()
    assert format_source(text, name).text == text, f"examples/{name} is not in the canonical layout"


# ---- format_program on trees built by hand ---------------------------------------------------

S = Span(0, 0)


def name(text: str) -> n.Name:
    return n.Name(span=S, name=text)


def num(value, text: str = "") -> n.Number:
    return n.Number(span=S, value=value, text=text)


def test_format_program_prints_a_tree_built_by_hand():
    program = n.Program(
        span=S,
        statements=(
            n.Workflow(span=S, title=n.String(span=S, value='say "hi" \\', text="")),
            n.Data(
                span=S,
                name=name("d"),
                source=n.Call(
                    span=S,
                    func=name("synthetic"),
                    args=tuple(
                        n.Arg(span=S, name=name(k), value=num(v))
                        for k, v in (("rows", 100), ("features", 2), ("noise", 0.5), ("seed", 1))
                    ),
                ),
            ),
            n.Split(
                span=S,
                data=name("d"),
                entries=(
                    n.SplitEntry(span=S, name=name("a"), share=n.Share(span=S, percent=62.5, text=""), role=name("train")),
                    n.SplitEntry(span=S, name=name("validation"), share=n.Share(span=S, percent=37.5, text="")),
                    n.SplitEntry(span=S, name=name("z"), share=n.Share(span=S, percent=-0.0000001, text="")),
                ),
                seed=num(-3),
            ),
            n.Model(span=S, name=name("linear_regression")),
            n.Hyper(
                span=S,
                entries=(
                    n.HyperEntry(
                        span=S,
                        name=name("l2"),
                        type=name("float"),
                        domain=n.Interval(span=S, low=num(0), high=name("inf"), low_closed=True, high_closed=False),
                        default=num(1e-5),
                    ),
                    n.HyperEntry(span=S, name=name("batch_size"), type=name("int"),
                                 domain=n.SetDomain(span=S, items=(num(1), num(2)))),
                ),
            ),
            n.Set(
                span=S,
                name=name("l2"),
                value=n.BinOp(
                    span=S,
                    op="*",
                    left=n.Paren(span=S, expr=n.BinOp(span=S, op="+", left=num(1.5), right=num(float("inf")))),
                    right=n.Neg(span=S, operand=num(2)),
                ),
            ),
            n.Train(
                span=S,
                splits=(name("a"), name("validation")),
                body=n.Body(
                    span=S,
                    entries=(
                        n.Every(span=S, every=num(5), action=n.Log(span=S, metric=name("mse"), split=name("a"))),
                        n.StopEarly(span=S, metric=name("r2"), split=name("validation"), patience=num(3)),
                        n.UnknownAction(span=S, name=name("jump"), words=("jump", "3", "=", '"x"')),
                    ),
                ),
            ),
            n.Tune(
                span=S,
                space=(n.SpaceItem(span=S, name=name("l2"), candidates=n.ListExpr(span=S, items=(num(0.1), num(1)))),),
                cv=num(3),
                splits=(name("a"),),
                objective=n.Objective(span=S, direction="maximize", metric=name("r2")),
                search=n.RandomSearch(span=S, count=num(4), seed=num(2)),
            ),
            n.Evaluate(span=S, splits=(name("validation"),), metrics=(name("mse"), name("r2"))),
            n.Test(span=S, splits=(name("z"),)),
        ),
    )
    text = format_program(program)
    assert text == (
        'workflow "say \\"hi\\" \\\\"\n'
        "\n"
        "data d = synthetic(rows: 100, features: 2, noise: 0.5, seed: 1)\n"
        "split d -> a 62.5% as train, validation 37.5%, z -0.0000001% seed -3\n"
        "\n"
        "model linear_regression\n"
        "\n"
        "hyper {\n"
        "    l2:         float in [0, inf) = 1e-05\n"
        "    batch_size: int   in {1, 2}\n"
        "}\n"
        "\n"
        "set l2 = (1.5 + 1e999) * -2\n"
        "train on a + validation {\n"
        "    every 5 epochs: log mse on a\n"
        "    stop early when r2 on validation has not improved for 3 epochs\n"
        '    jump 3 = "x"\n'
        "}\n"
        "tune l2 in [0.1, 1] using cv 3 on a maximize r2 using random 4 seed 2\n"
        "evaluate on validation report mse, r2\n"
        "test on z\n"
    )
    assert program_of(text) == program


def test_format_program_prefers_the_text_a_literal_was_written_as():
    program = n.Program(
        span=S,
        statements=(n.Model(span=S, name=name("ridge")), n.Set(span=S, name=name("l2"), value=num(0.5, ".50"))),
    )
    assert format_program(program) == "model ridge\n\nset l2 = .50\n"


def test_format_program_of_nothing_is_empty():
    assert format_program(n.Program(span=S)) == ""


# ---- robustness --------------------------------------------------------------------------------

ALL_INPUTS = "".join(read_case(name)[0] for name in CASE_NAMES)


@st.composite
def mangled(draw) -> str:
    """A case file cut, spliced and sprinkled with characters the lexer cares about."""
    text = draw(st.sampled_from([read_case(name)[0] for name in CASE_NAMES]))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "splice"]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(list("\n\r\t #()[]{},:=+-*/%\"\\0.e") + ["\ufeff", "\x00", "é"])) + text[at:]
        else:
            start = draw(st.integers(0, len(ALL_INPUTS)))
            text = text[:at] + ALL_INPUTS[start:start + draw(st.integers(1, 80))] + text[at:]
    return text


@given(st.one_of(st.text(), mangled()))
@example("\ufeff")
@example("\r")
@example("# c\r\n")
@example("model m # a\n# b\n")
def test_format_source_never_raises_and_keeps_its_invariants(text):
    result = format_source(text)
    if result.text is None:
        assert result.diagnostics and {d.code for d in result.diagnostics} == {"HP001"}
    else:
        assert_formats(text)


@st.composite
def commented(draw) -> str:
    """A case file with comments and blank lines added anywhere a line may hold them."""
    lines = draw(st.sampled_from([read_case(name)[0] for name in CASE_NAMES])).split("\n")
    for number in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["end", "own", "blank"]))
        if kind == "end":
            lines[at] += f" # end {number}"
        elif kind == "own":
            lines.insert(at, " " * draw(st.integers(0, 6)) + f"# own {number}")
        else:
            lines.insert(at, "")
    return "\n".join(lines)


@given(commented())
def test_comments_and_blank_lines_anywhere(text):
    assert_formats(text)


# ---- hpdsl fmt ---------------------------------------------------------------------------------

MESSY, CANONICAL = read_case("quickstart.hp")
BROKEN = b"model linear_regression\nset l2 = = 1\n"


def write(path, data: bytes | str) -> str:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


def no_traceback(result) -> None:
    assert b"Traceback" not in result.stderr


def test_fmt_rewrites_a_file_in_place_keeping_its_permissions(tmp_path):
    path = write(tmp_path / "q.hp", MESSY)
    os.chmod(path, 0o640)
    result = hpdsl("fmt", path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "q.hp").read_text(encoding="utf-8") == CANONICAL
    assert f"reformatted {path}".encode() in result.stderr
    assert b"1 file reformatted" in result.stderr
    assert result.stdout == b""
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["q.hp"]  # no temporary file left behind


def test_fmt_leaves_a_canonical_file_alone(tmp_path):
    path = write(tmp_path / "q.hp", CANONICAL)
    before = os.stat(path)
    result = hpdsl("fmt", path)
    assert result.returncode == 0
    assert b"1 file left unchanged" in result.stderr
    assert os.stat(path).st_ino == before.st_ino and os.stat(path).st_mtime_ns == before.st_mtime_ns


def test_fmt_turns_crlf_and_a_bom_into_plain_lf(tmp_path):
    path = write(tmp_path / "q.hp", b"\xef\xbb\xbf" + CANONICAL.replace("\n", "\r\n").encode())
    result = hpdsl("fmt", path)
    assert result.returncode == 0
    assert (tmp_path / "q.hp").read_bytes() == CANONICAL.encode()


def test_fmt_check_exit_codes(tmp_path):
    messy = write(tmp_path / "messy.hp", MESSY)
    clean = write(tmp_path / "clean.hp", CANONICAL)
    result = hpdsl("fmt", "--check", clean)
    assert (result.returncode, result.stdout) == (0, b"")
    result = hpdsl("fmt", "--check", messy, clean)
    assert result.returncode == 1
    assert f"would reformat {messy}".encode() in result.stderr
    assert b"1 file would be reformatted, 1 file already formatted" in result.stderr
    assert (tmp_path / "messy.hp").read_text(encoding="utf-8") == MESSY


def test_fmt_diff_prints_a_unified_diff_and_writes_nothing(tmp_path):
    path = write(tmp_path / "q.hp", MESSY)
    result = hpdsl("fmt", "--diff", path)
    assert result.returncode == 1
    out = result.stdout.decode()
    assert out.startswith(f"--- a/{path}\n+++ b/{path}\n@@ ")
    assert "-data houses=synthetic( rows:2000,features :5 , noise: 0.3,seed: 1 )\n" in out
    assert "+data houses = synthetic(rows: 2000, features: 5, noise: 0.3, seed: 1)\n" in out
    assert (tmp_path / "q.hp").read_text(encoding="utf-8") == MESSY
    clean = write(tmp_path / "clean.hp", CANONICAL)
    result = hpdsl("fmt", "--diff", clean)
    assert (result.returncode, result.stdout) == (0, b"")


def test_fmt_diff_marks_a_missing_final_newline(tmp_path):
    path = write(tmp_path / "q.hp", "model ridge")
    out = hpdsl("fmt", "--diff", path).stdout.decode()
    assert "-model ridge\n\\ No newline at end of file\n+model ridge\n" in out


def test_fmt_stdin_to_stdout():
    result = hpdsl("fmt", "-", stdin=MESSY.encode())
    assert result.returncode == 0
    assert result.stdout == CANONICAL.encode()
    assert result.stderr == b""
    result = hpdsl("fmt", "-", stdin=b"\xef\xbb\xbfmodel   ridge\r\n")
    assert (result.returncode, result.stdout) == (0, b"model ridge\n")


def test_fmt_check_on_stdin_writes_nothing_to_stdout():
    result = hpdsl("fmt", "--check", "-", stdin=MESSY.encode())
    assert (result.returncode, result.stdout) == (1, b"")
    result = hpdsl("fmt", "--check", "-", stdin=CANONICAL.encode())
    assert (result.returncode, result.stdout) == (0, b"")


@pytest.mark.parametrize("flags", [(), ("--check",), ("--diff",)])
def test_fmt_leaves_a_file_with_a_syntax_error_untouched(tmp_path, flags):
    path = write(tmp_path / "bad.hp", BROKEN)
    result = hpdsl("fmt", *flags, path)
    assert result.returncode == 2
    assert (tmp_path / "bad.hp").read_bytes() == BROKEN
    assert f"{path}:2:10: error[HP001]".encode() in result.stderr
    assert result.stdout == b""
    assert os.listdir(tmp_path) == ["bad.hp"]
    no_traceback(result)


def test_fmt_syntax_error_on_stdin():
    result = hpdsl("fmt", "-", stdin=BROKEN)
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"<stdin>:2:10: error[HP001]" in result.stderr


def test_fmt_invalid_utf8_is_a_syntax_error(tmp_path):
    data = b"model ridge\n# caf\xe9\n"
    path = write(tmp_path / "latin1.hp", data)
    result = hpdsl("fmt", path)
    assert result.returncode == 2
    assert b"HP001" in result.stderr
    assert (tmp_path / "latin1.hp").read_bytes() == data


def test_fmt_unreadable_paths(tmp_path):
    result = hpdsl("fmt", str(tmp_path / "missing.hp"))
    assert result.returncode == 2
    assert b"cannot read" in result.stderr and b"missing.hp" in result.stderr
    no_traceback(result)


def test_fmt_unreadable_and_unwritable_files(tmp_path, monkeypatch, capsys):
    # Driven in-process with the failing system calls simulated, so that the test binds
    # whoever runs it (file permissions do not bind root).
    import argparse

    from hpdsl import cli

    secret = write(tmp_path / "secret.hp", MESSY)
    args = argparse.Namespace(files=[secret], check=False, diff=False)

    def unreadable(path, stdin_filename=None):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(cli, "read_input", unreadable)
    assert cli._fmt(args) == 2
    assert "cannot read" in capsys.readouterr().err
    monkeypatch.undo()

    def unwritable(source, target):
        raise PermissionError(13, "Permission denied", target)

    monkeypatch.setattr(cli.os, "replace", unwritable)
    assert cli._fmt(args) == 2
    assert "cannot write" in capsys.readouterr().err
    assert (tmp_path / "secret.hp").read_text(encoding="utf-8") == MESSY
    assert os.listdir(tmp_path) == ["secret.hp"]


def test_fmt_expands_folders_and_goes_on_after_an_error(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / "a.hp", MESSY)
    write(tmp_path / "sub" / "b.hp", MESSY)
    write(tmp_path / "sub" / "c.hp", CANONICAL)
    write(tmp_path / "sub" / "bad.hp", BROKEN)
    write(tmp_path / ".hidden" / "d.hp", MESSY)
    write(tmp_path / "notes.txt", MESSY)
    result = hpdsl("fmt", str(tmp_path))
    assert result.returncode == 2
    assert (tmp_path / "a.hp").read_text(encoding="utf-8") == CANONICAL
    assert (tmp_path / "sub" / "b.hp").read_text(encoding="utf-8") == CANONICAL
    assert (tmp_path / "sub" / "bad.hp").read_bytes() == BROKEN
    assert (tmp_path / ".hidden" / "d.hp").read_text(encoding="utf-8") == MESSY
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == MESSY
    assert b"2 files reformatted, 1 file left unchanged, 1 file could not be formatted" in result.stderr
    assert sorted(os.listdir(tmp_path / "sub")) == ["b.hp", "bad.hp", "c.hp"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_fmt_rewrites_the_target_of_a_symlink(tmp_path):
    target = write(tmp_path / "real.hp", MESSY)
    link = tmp_path / "link.hp"
    os.symlink(target, link)
    result = hpdsl("fmt", str(link))
    assert result.returncode == 0
    assert link.is_symlink()
    assert (tmp_path / "real.hp").read_text(encoding="utf-8") == CANONICAL


def test_fmt_failed_write_leaves_the_file_and_no_temporary(tmp_path, monkeypatch, capsys):
    import argparse

    from hpdsl.cli import _fmt as fmt_command

    path = write(tmp_path / "q.hp", MESSY)

    def refuse(source, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    status = fmt_command(argparse.Namespace(files=[path], check=False, diff=False))
    assert status == 2
    assert f"cannot write {path}: Permission denied" in capsys.readouterr().err
    assert (tmp_path / "q.hp").read_text(encoding="utf-8") == MESSY
    assert os.listdir(tmp_path) == ["q.hp"]


def test_formatting_imports_neither_numpy_nor_lark():
    import subprocess

    code = (
        "import sys\n"
        "from hpdsl.formatter import format_source\n"
        "from hpdsl.syntax import parser_kind\n"
        "assert format_source('model ridge\\n').text == 'model ridge\\n'\n"
        "assert 'numpy' not in sys.modules\n"
        "assert parser_kind() == 'lark' or 'lark' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_fmt_refuses_to_write_a_result_that_changes_the_program(tmp_path, monkeypatch, capsys):
    """The safety net of black's --safe: the output is parsed again before it is written."""
    import argparse

    from hpdsl import cli, formatter

    path = write(tmp_path / "q.hp", MESSY)
    monkeypatch.setattr(formatter._Printer, "visit_Model", lambda self, s: "model ridge")
    status = cli._fmt(argparse.Namespace(files=[path], check=False, diff=False))
    assert status == 2
    assert "internal error" in capsys.readouterr().err
    assert (tmp_path / "q.hp").read_text(encoding="utf-8") == MESSY
