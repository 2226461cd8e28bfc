"""Structured fixes: every "did you mean" help carries the edit that makes it, and every
tool that offers fixes (check --format json, SARIF, the language server) reads that data.
"""

from __future__ import annotations

import json
import pickle

import pytest
from helpers import PREAMBLE, diagnostics, hpdsl

from hpdsl.checker import check_text
from hpdsl.diagnostics import SAFE, UNSAFE, Diagnostic, Fix, Suggestion
from hpdsl.runtime import RunError, run
from hpdsl.source import Source, Span
from hpdsl.suggest import did_you_mean

CLEAN = PREAMBLE + "train on train\nevaluate on validation\ntest on test\n"


def apply(text: str, fix: Fix) -> str:
    return text[:fix.span.start] + fix.replacement + text[fix.span.end:]


def test_the_helper_gives_the_help_and_its_fix():
    hint = did_you_mean("trian", ("train", "test"), Span(9, 14), "the splits are train and test")
    assert hint == "did you mean 'train'?" and isinstance(hint, Suggestion)
    assert hint.fix == Fix(Span(9, 14), "train", UNSAFE, "Replace 'trian' with 'train'")
    assert did_you_mean("zzz", ("train", "test"), Span(0, 3), "the splits are train and test") == \
        "the splits are train and test"
    assert did_you_mean("trian", ("train",)).fix is None  # not written in a source: text only
    quoted = did_you_mean('pric"e', ['pri"ce'], Span(0, 8), string=True)
    assert quoted.fix.replacement == '"pri\\"ce"'
    assert did_you_mean("a" * 10, ["a" * 60], Span(0, 10), clip=40) == "did you mean '" + "a" * 37 + "...'?"


def test_a_diagnostic_has_the_fixes_given_and_its_helps():
    given = Fix(Span(0, 1), "x", SAFE, "Write x")
    d = Diagnostic("HP005", Span(0, 5), "unknown metric", help=did_you_mean("rmsee", ["rmse"], Span(0, 5)),
                   fixes=(given,))
    assert [f.replacement for f in d.fixes] == ["x", "rmse"]
    assert Diagnostic("HP005", Span(0, 5), "m", help="plain text").fixes == ()
    with pytest.raises(ValueError):
        Fix(Span(0, 1), "x", "probably", "Write x")
    # A run's diagnostics may cross a process boundary: the fix goes with them.
    assert pickle.loads(pickle.dumps(d)).fixes == d.fixes


# Each typo, and the clean text its fix gives back: one per site that suggests a name.
TYPOS = [
    ("train on train\n", "train on trian\n"),  # split (HP002)
    ("model linear_regression", "model linear_regresion"),  # model
    ("evaluate on validation\n", "evaluate on validation report rmsee\n"),  # metric
    ("validation 20%", "validation 20% as validaton"),  # role (HP006)
    ("epochs:        int ", "epochs:        itn "),  # type
    ("learning_rate: float", "learning_rat: float"),  # hyperparameter in hyper { }
    ("synthetic(rows", "synthetc(rows"),  # data source
    ("noise: 0.1", "noize: 0.1"),  # argument
    ("train on train\n", "trian on train\n"),  # statement keyword (HP001)
    ("train on train\n", "train on train {\n    evry 10 epochs: log mse on validation\n}\n"),  # body action
]
FIXED_BY_REPLACING = {  # typos whose fix gives a text other than CLEAN
    "evaluate on validation report rmsee\n": "evaluate on validation report rmse\n",
    "validation 20% as validaton": "validation 20% as validation",
    "train on train {\n    evry 10 epochs: log mse on validation\n}\n":
        "train on train {\n    every 10 epochs: log mse on validation\n}\n",
}


@pytest.mark.parametrize("clean, typo", TYPOS, ids=[typo.strip() for _, typo in TYPOS])
def test_every_did_you_mean_carries_the_fix_that_makes_it(clean, typo):
    assert diagnostics(CLEAN) == []
    text = CLEAN.replace(clean, typo, 1)
    (found,) = [d for d in diagnostics(text) if (d.help or "").startswith("did you mean")]
    (fix,) = found.fixes
    assert (fix.span, fix.applicability) == (found.span, UNSAFE)
    assert found.help == f"did you mean '{fix.replacement}'?"
    fixed = apply(text, fix)
    assert fixed == CLEAN.replace(clean, FIXED_BY_REPLACING.get(typo, clean), 1)
    assert [d for d in diagnostics(fixed) if d.is_error] == []


@pytest.mark.parametrize("steps, replacement", [
    ("param {\n    weigths = zeros\n}\n", "weights"),
    ("param {\n    weights = zeroes\n}\n", "zeros"),
    ("param {\n    weights = normall(0, 1)\n}\n", "normal"),
    ("set learning_rate = stepp(0.1, every: 10, factor: 0.5)\n", "step"),
    ("tune l2 in linspase(0, 1, 3) on validation\n", "linspace"),
])
def test_fixes_in_declarations_and_expressions(steps, replacement):
    text = PREAMBLE + steps + "train on train\nevaluate on validation\ntest on test\n"
    (found,) = [d for d in diagnostics(text) if d.fixes]
    assert found.fixes[0].replacement == replacement
    assert [d.code for d in diagnostics(apply(text, found.fixes[0])) if d.is_error] == []


def test_a_set_option_typo_is_fixed_in_the_command_line():
    (found,) = check_text(CLEAN, "w.hp", overrides=["learning_rat=0.2"]).diagnostics
    (fix,) = found.fixes
    assert found.source.text[fix.span.start:fix.span.end] == "learning_rat"
    assert fix.replacement == "learning_rate"


def test_a_column_typo_is_fixed_as_a_string(tmp_path):
    (tmp_path / "houses.csv").write_text("size,price\n" + "".join(f"{i},{2 * i}\n" for i in range(20)))
    text = 'data rows = csv("houses.csv", target: "prise")\nsplit rows -> train 60%, validation 20%, test 20%\n' \
           "model ridge\ntrain on train\ntest on test\n"
    with pytest.raises(RunError) as caught:
        run(check_text(text, str(tmp_path / "w.hp")))
    found = caught.value.diagnostic
    (fix,) = found.fixes
    assert found.help == "did you mean 'price'?"
    assert text[fix.span.start:fix.span.end] == '"prise"' and fix.replacement == '"price"'


def test_json_output_carries_the_fixes(tmp_path):
    path = tmp_path / "w.hp"
    path.write_text(CLEAN.replace("train on train", "train on trian"), encoding="utf-8")
    result = hpdsl("check", "--format", "json", str(path))
    (found,) = json.loads(result.stdout)
    assert found["fixes"] == [{
        "message": "Replace 'trian' with 'train'",
        "applicability": "unsafe",
        "range": found["range"],
        "replacement": "train",
    }]
    line = CLEAN.splitlines().index("train on train") + 1
    assert found["range"] == {"start": {"line": line, "column": 10}, "end": {"line": line, "column": 15}}


def test_a_syntax_error_fix_applies_to_the_source_text():
    text = CLEAN.replace("test on test", "tets on test")
    (found,) = diagnostics(text)
    assert found.code == "HP001"
    assert apply(text, found.fixes[0]) == CLEAN
    assert Source(text).text[found.span.start:found.span.end] == "tets"
