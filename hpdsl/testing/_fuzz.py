"""Near-valid input for parser fuzzing: valid workflows (with and without one injected
mistake) put through small mutations, as text (`source_text`) and as bytes (`source_bytes`)."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from ._inject import INJECTABLE
from ._programs import workflows

_TOKENS = (
    "data", "split", "model", "hyper", "param", "workflow", "set", "standardize", "impute", "encode", "with", "median", "train", "tune",
    "evaluate", "test", "on", "using", "cv", "random", "grid", "seed", "report", "minimize", "maximize",
    "every", "epochs", "log", "stop", "early", "when", "has", "not", "improved", "for", "as", "in",
    "->", "=", ":", ",", "+", "-", "*", "/", "(", ")", "[", "]", "{", "}", "%", "#", "\n", " ",
    "0", "1.5", ".5", "5.", "1e-4", "1e999", "60%", "12.5%", "-5%", "inf", "-inf", "zeros",
    '"x"', '"\\q"', '"open', "linspace(0, 1, 3)", "step(0.1, every: 2, factor: 0.5)", "l2", "validation",
)
_ODD = ("\x00", "\r", "\r\n", "\t", "\ufeff", "é", "λ", "😀", "\u2028", "\x0c", "\x85", "\\", '"', "\x7f")


@st.composite
def _mutated(draw, models, data):
    text = draw(st.one_of(workflows(models=models, data=data),
                          workflows(models=models, data=data, violating=draw(st.sampled_from(INJECTABLE)))))
    for _ in range(draw(st.integers(0, 3))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["delete line", "duplicate line", "swap lines", "delete token",
                                     "insert token", "drop bracket", "insert characters", "truncate", "crlf",
                                     "comment", "indent", "misspell", "misspell"]))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        at = draw(st.integers(0, len(text)))
        if kind == "delete line":
            del lines[i]
        elif kind == "duplicate line":
            lines.insert(j, lines[i])
        elif kind == "swap lines":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "comment":
            lines.insert(i, draw(st.sampled_from(["", "# note", "   # indented note"])))
            lines[j] += draw(st.sampled_from(["", "  # trailing", "#x"]))
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["\t", "  ", "        "])) + lines[i]
        if kind in ("delete line", "duplicate line", "swap lines", "comment", "indent"):
            text = "\n".join(lines)
        elif kind == "delete token":
            words = text.split(" ")
            if len(words) > 1:
                del words[draw(st.integers(0, len(words) - 1))]
            text = " ".join(words)
        elif kind == "insert token":
            text = text[:at] + draw(st.sampled_from(_TOKENS)) + text[at:]
        elif kind == "drop bracket":
            brackets = [k for k, c in enumerate(text) if c in "()[]{}"]
            if brackets:
                k = draw(st.sampled_from(brackets))
                text = text[:k] + text[k + 1:]
        elif kind == "insert characters":
            stray = draw(st.one_of(st.sampled_from(_ODD), st.text(min_size=1, max_size=3)))
            text = text[:at] + stray + text[at:]
        elif kind == "truncate":
            text = text[:at]
        elif kind == "misspell":  # a near-miss name: the unknown-name paths, with their suggestions
            words = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text))
            if words:
                word = draw(st.sampled_from(words))
                k = draw(st.integers(0, len(word.group()) - 1))
                typo = draw(st.sampled_from(["drop", "double", "swap", "case"]))
                w = word.group()
                w = {"drop": w[:k] + w[k + 1:], "double": w[:k] + w[k] + w[k:],
                     "swap": w[:k] + w[k + 1:k + 2] + w[k] + w[k + 2:], "case": w[:k] + w[k].swapcase() + w[k + 1:]}[typo]
                text = text[:word.start()] + w + text[word.end():]
        else:
            text = text.replace("\n", "\r\n")
    return text


def source_text(*, models=("linear_regression", "ridge"), data=("synthetic", "csv")):
    """Near-valid source text for parser fuzzing: valid workflows (with and without an
    injected rule violation) put through 0-3 mutations — a line deleted, duplicated or
    swapped, a token deleted or inserted, a bracket dropped, stray characters inserted
    (non-ASCII, NUL, CR, tabs, BOM, line separators), a name misspelt, truncation,
    CRLF line ends, comments and indentation — and sometimes arbitrary text.

        @given(source_text())
        def test_parser_never_crashes(text):
            parse(Source(text))
    """
    return st.one_of(_mutated(models, data), _mutated(models, data), st.text(max_size=200))


_BAD_BYTES = (b"\xff", b"\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\x80", b"\xc3")


@st.composite
def _mutated_bytes(draw):
    data = draw(source_text()).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["invalid", "truncate", "bom"]))
        if kind == "invalid":
            data = data[:at] + draw(st.sampled_from(_BAD_BYTES)) + data[at:]
        elif kind == "truncate":
            data = data[:at]
        else:
            data = data[:at] + b"\xef\xbb\xbf" + data[at:]
    return data


def source_bytes():
    """Bytes as a file holds them: `source_text()` encoded as UTF-8, sometimes with a
    leading BOM (accepted), a BOM elsewhere, invalid UTF-8 sequences or a truncated
    multi-byte character (both HP001), and arbitrary bytes.

        @given(source_bytes())
        def test_check_never_crashes(data):
            check_bytes(data)
    """
    return st.one_of(_mutated_bytes(), _mutated_bytes(), st.binary(max_size=200))
