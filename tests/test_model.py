"""model.json: written by every example's run, valid against the shipped schema, the model
that was fitted (not a later state), deterministic, and refused with HP306 when broken."""

from __future__ import annotations

import copy
import glob
import json
import os

import jsonschema
import numpy as np
import pytest

import hpdsl
from hpdsl.runtime.errors import ModelError
from hpdsl.runtime.model import load, parse

from helpers import EXAMPLES, RIDGE_PREAMBLE, hpdsl as run_hpdsl

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(hpdsl.__file__)), "schemas", "model.schema.json")
SCHEMA = json.load(open(SCHEMA_PATH, encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
WORKFLOWS = sorted(glob.glob(os.path.join(EXAMPLES, "*.hp")))


@pytest.fixture(scope="module")
def example_models(tmp_path_factory):
    """Every example run once with --out, through the API: {name: (Result, model.json bytes)}."""
    out = {}
    for path in WORKFLOWS:
        name = os.path.basename(path)
        folder = tmp_path_factory.mktemp(name.removesuffix(".hp"))
        result = hpdsl.run(path, out=folder, ledger=False)  # unrelated runs on shared data
        out[name] = (result, (folder / "model.json").read_bytes())
    return out


def workflow(tmp_path, steps: str, preamble: str = RIDGE_PREAMBLE):
    path = tmp_path / "w.hp"
    path.write_text(preamble + steps, encoding="utf-8")
    return path


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", [os.path.basename(p) for p in WORKFLOWS])
def test_every_example_writes_a_model_that_validates(example_models, name):
    result, raw = example_models[name]
    document = json.loads(raw)
    assert list(VALIDATOR.iter_errors(document)) == []
    assert parse(raw, name) == document
    report = result.report
    assert document["features"] == report["data"]["features"]
    assert document.get("columns", document["features"]) == report["params"]["columns"]
    assert document["target"] == report["data"]["target"]
    assert document["kind"] == report["model"]
    params = report["params"]
    assert document["trained"] == {"weights": params["weights"], "intercept": params["intercept"]}
    assert document["raw"] == params["raw"]
    assert document["hyperparameters"] == report["hypers"]
    assert document["provenance"] == {
        "hpdsl": hpdsl.__version__,
        "workflow": report["workflow"],
        "data": {key: report["data"][key] for key in ("source", "rows", "sha256")},
        "split_seed": report["seeds"]["split"],
    }
    steps = [s for s in report["steps"] if s["kind"] == "standardize"]
    prepared = [s for s in report["steps"] if s["kind"] in ("impute", "encode")]
    columns = [c for s in prepared for c in s["columns"]]
    assert ([s["step"] for s in document["preprocessing"]]
            == [s["kind"] for s in prepared for _ in s["columns"]] + ["standardize"] * min(1, len(steps)))
    assert [s["column"] for s in document["preprocessing"][:len(columns)]] == columns
    if steps:
        assert {k: document["preprocessing"][-1][k] for k in ("mean", "std")} == report["standardize"]
        assert document["preprocessing"][-1]["fitted_on"] == steps[-1]["splits"]


@pytest.mark.parametrize("name", [os.path.basename(p) for p in WORKFLOWS])
def test_raw_coefficients_predict_what_the_trained_space_does(example_models, name):
    document = json.loads(example_models[name][1])
    rng = np.random.default_rng(0)
    d = len(document.get("columns", document["features"]))
    steps = [s for s in document["preprocessing"] if s["step"] == "standardize"]
    centre = np.array(steps[0]["mean"]) if steps else np.zeros(d)
    scale = np.array(steps[0]["std"]) if steps else np.ones(d)
    X = centre + scale * rng.standard_normal((50, d))
    z = (X - centre) / scale
    trained = z @ np.array(document["trained"]["weights"]) + document["trained"]["intercept"]
    raw = X @ np.array(document["raw"]["weights"]) + document["raw"]["intercept"]
    np.testing.assert_allclose(raw, trained, rtol=1e-12, atol=1e-10)


def test_synthetic_raw_coefficients_recover_the_truth(example_models):
    result, raw = example_models["quickstart.hp"]
    document = json.loads(raw)
    truth = result.report["truth"]
    np.testing.assert_allclose(document["raw"]["weights"], truth["weights"], atol=0.05)
    assert abs(document["raw"]["intercept"] - truth["intercept"]) < 0.05


def test_the_same_run_gives_the_same_bytes(tmp_path, example_models):
    hpdsl.run(os.path.join(EXAMPLES, "ridge_cv.hp"), out=tmp_path)
    assert (tmp_path / "model.json").read_bytes() == example_models["ridge_cv.hp"][1]


def test_the_model_is_the_one_fitted_not_a_later_state(tmp_path):
    # A set and a standardize after the last train do not change the fitted model, so
    # model.json keeps the hyperparameters and the (absent) preprocessing it was fitted under.
    path = workflow(tmp_path, "train on train\nset l2 = 5.0\nstandardize using train\n")
    assert not hpdsl.check(path).errors
    result = hpdsl.run(path, out=tmp_path / "out")
    document = json.loads((tmp_path / "out" / "model.json").read_bytes())
    assert result.report["hypers"]["l2"] == 5.0 and result.report["standardize"] is not None
    assert document["hyperparameters"]["l2"] == 1.0
    assert document["preprocessing"] == []
    params = result.report["params"]
    assert document["raw"] == document["trained"] == params["raw"] == {"weights": params["weights"],
                                                                       "intercept": params["intercept"]}


def test_a_workflow_that_trains_nothing_leaves_no_model(tmp_path):
    out = tmp_path / "out"
    hpdsl.run(workflow(tmp_path, "train on train\n"), out=out)  # an earlier run leaves a model
    assert "model.json" in os.listdir(out)
    path = workflow(tmp_path, "standardize using train\n")
    result = hpdsl.run(path, out=out)
    assert result.model is None
    assert sorted(os.listdir(out)) == [".hpdsl-manifest.json", "report.json", "trials.csv"]


# ---- broken model files ----------------------------------------------------------------------


def mutations(document: dict):
    """(what, broken copy) pairs: each breaks one rule of the format."""
    for key in SCHEMA["required"]:
        broken = copy.deepcopy(document)
        del broken[key]
        yield f"no {key}", broken
    for key in SCHEMA["properties"]["provenance"]["required"]:
        broken = copy.deepcopy(document)
        del broken["provenance"][key]
        yield f"no provenance.{key}", broken
    edits = {
        "version 2": lambda d: d.update(version=2),
        "version '1'": lambda d: d.update(version="1"),
        "another format": lambda d: d.update(format="sklearn"),
        "unknown kind": lambda d: d.update(kind="lasso"),
        "no features": lambda d: d.update(features=[]),
        "a repeated feature": lambda d: d["features"].append(d["features"][0]),
        "a text weight": lambda d: d["trained"]["weights"].__setitem__(0, "1.5"),
        "no intercept": lambda d: d["raw"].pop("intercept"),
        "an unknown step": lambda d: d["preprocessing"].insert(0, {"step": "impute", "fitted_on": ["train"]}),
        "a zero std": lambda d: d["preprocessing"][0]["std"].__setitem__(0, 0.0),
        "a bad digest": lambda d: d["provenance"]["data"].update(sha256="abc"),
        "a float seed": lambda d: d["provenance"].update(split_seed=1.5),
    }
    for what, edit in edits.items():
        broken = copy.deepcopy(document)
        edit(broken)
        yield what, broken


# What JSON Schema cannot say: every list is as long as the features (the reader checks it).
LENGTHS = {
    "a short weight list": lambda d: d["raw"]["weights"].pop(),
    "a long weight list": lambda d: d["trained"]["weights"].append(1.0),
    "a short mean": lambda d: d["preprocessing"][0]["mean"].pop(),
    "a short std": lambda d: d["preprocessing"][0]["std"].pop(),
}


def test_every_broken_document_is_refused_by_the_schema_and_the_reader(example_models):
    document = json.loads(example_models["diabetes.hp"][1])
    seen = 0
    for what, broken in mutations(document):
        assert list(VALIDATOR.iter_errors(broken)), f"the schema accepts a model with {what}"
        with pytest.raises(ModelError) as caught:
            parse(json.dumps(broken).encode(), "model.json")
        assert caught.value.diagnostic.code == "HP306", what
        seen += 1
    assert seen > 25
    for what, edit in LENGTHS.items():
        broken = copy.deepcopy(document)
        edit(broken)
        with pytest.raises(ModelError, match=r"numbers in .* for 10 features"):
            parse(json.dumps(broken).encode(), "model.json")


@pytest.mark.parametrize("what, content, expected", [
    ("version 2", {"format": "hpdsl-model", "version": 2}, "is format version 2; this hpdsl reads version 1 "
     "(a newer hpdsl wrote it: upgrade hpdsl)"),
    ("not an object", [1, 2], "holds a JSON array, not an object"),
    ("another file", {"mse": 1.0}, "is not an hpdsl model file"),
])
def test_messages_say_what_is_wrong(what, content, expected):
    with pytest.raises(ModelError) as caught:
        parse(json.dumps(content).encode(), "m.json")
    assert expected in caught.value.diagnostic.message


def test_a_missing_key_is_named(example_models):
    document = json.loads(example_models["diabetes.hp"][1])
    del document["raw"]
    with pytest.raises(ModelError, match='has no "raw"'):
        parse(json.dumps(document).encode(), "m.json")


def test_every_truncation_is_refused(example_models):
    raw = example_models["ridge_cv.hp"][1]
    for cut in range(0, len(raw) - 2, max(1, len(raw) // 97)):
        with pytest.raises(ModelError) as caught:
            parse(raw[:cut], "m.json")
        assert caught.value.diagnostic.code == "HP306"
    with pytest.raises(ModelError, match=r"is the file truncated\?"):
        parse(raw[: len(raw) // 2], "m.json")


@pytest.mark.parametrize("raw, message", [
    (b"", "is empty"),
    (b"age,sex\n1,2\n", "is not valid JSON"),
    (b"\xff\xfe{}", "is not UTF-8 text (byte 1)"),
    (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
])
def test_files_that_are_not_json(raw, message):
    with pytest.raises(ModelError) as caught:
        parse(raw, "m.json")
    assert message in caught.value.diagnostic.message


def test_a_folder_without_a_model_and_a_missing_path(tmp_path):
    with pytest.raises(ModelError, match="holds no model.json"):
        load(str(tmp_path))
    with pytest.raises(ModelError, match="does not exist"):
        load(str(tmp_path / "nowhere.json"))


def test_the_rule_doc_examples_are_what_the_reader_says():
    # HP306 is a run-phase code whose examples are model files, not workflows.
    from hpdsl.render import doc_code_block, doc_sections, rule_doc

    sections = doc_sections(rule_doc("HP306"))
    with pytest.raises(ModelError, match='has no "raw"'):
        parse(doc_code_block(sections["Example"]).encode(), "model.json")
    good = doc_code_block(sections["Use instead"])
    assert list(VALIDATOR.iter_errors(json.loads(good))) == []
    assert parse(good.encode(), "model.json")["features"] == ["x1"]


def test_the_schema_ships_with_the_package():
    with open(os.path.join(os.path.dirname(EXAMPLES), "pyproject.toml"), encoding="utf-8") as f:
        assert '"schemas/*.json"' in f.read()


def test_run_out_writes_the_model_from_the_command_line(tmp_path):
    result = run_hpdsl("run", os.path.join(EXAMPLES, "refit.hp"), "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr.decode()
    assert list(VALIDATOR.iter_errors(json.loads((tmp_path / "model.json").read_bytes()))) == []


def test_the_formula_in_docs_model_md_predicts_what_hpdsl_does(tmp_path, example_models):
    # The documented way to use model.json without hpdsl, run as written.
    with open(os.path.join(os.path.dirname(EXAMPLES), "docs", "model.md"), encoding="utf-8") as f:
        block = f.read().split("```python\n")[1].split("```")[0]
    result, raw = example_models["diabetes.hp"]
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "model.json").write_bytes(raw)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace: dict = {}
        exec(compile(block, "docs/model.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    row = np.array([[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]])
    assert namespace["y"][0] == pytest.approx(result.model.predict(row)[0], abs=1e-10)
