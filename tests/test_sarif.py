"""`hpdsl check --format sarif` as GitHub code scanning reads it.

The log must validate against the official SARIF 2.1.0 schema (vendored in
tests/data/sarif-schema-2.1.0.json, from the OASIS TC's repository) and carry what
code scanning needs: the tool's name, rules with ids, and results with a rule id, a
message and a location whose artifact is a URI relative to the repository root,
written with forward slashes, with a start line.
"""

from __future__ import annotations

import json
import os
import re

import jsonschema
import pytest

from helpers import ROOT, hpdsl

SCHEMA_PATH = os.path.join(ROOT, "tests", "data", "sarif-schema-2.1.0.json")

PREAMBLE = """\
data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20% seed 7
model linear_regression
hyper {
    l2: float in [0, 10] = 0.0
}
"""

BAD = PREAMBLE + """\
train on train
tune l2 in [0.1, 1.0] on test
set l2 = 0.5
evaluate on validation
train on train
test on test
"""

# RFC 3986: the characters a URI reference may hold (anything else is percent-encoded).
_URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def sarif(cwd, *paths: str) -> dict:
    result = hpdsl("check", "--format", "sarif", *paths, cwd=str(cwd))
    assert result.returncode in (0, 1), result.stderr.decode()
    return json.loads(result.stdout)


def write(folder, relative: str, text: str) -> str:
    path = os.path.join(str(folder), *relative.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def assert_valid(validator: jsonschema.Draft7Validator, log: dict) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def assert_code_scanning_ready(log: dict) -> None:
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "hpdsl"
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids and len(ids) == len(set(ids))
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"].strip()
        for location in result["locations"] + result.get("relatedLocations", []):
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert "\\" not in uri and not uri.startswith(("/", "./", "file:")), uri
            assert _URI_REFERENCE.match(uri), f"not a URI reference: {uri!r}"
            assert physical["region"]["startLine"] >= 1


def test_the_vendored_schema_is_the_official_one(validator):
    schema = validator.schema
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")


def test_a_bad_workflow_gives_a_valid_sarif_log(validator, tmp_path):
    write(tmp_path, "flows/bad.hp", BAD)
    log = sarif(tmp_path, "flows/bad.hp")
    assert_valid(validator, log)
    assert_code_scanning_ready(log)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["HP103", "HP108"]
    tune = results[0]["locations"][0]["physicalLocation"]
    assert tune["artifactLocation"]["uri"] == "flows/bad.hp"
    assert tune["region"]["startLine"] == 8 and tune["region"]["startColumn"] == 26
    stale = results[1]
    assert stale["locations"][0]["physicalLocation"]["region"]["startLine"] == 10
    assert stale["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 9


def test_folders_and_absolute_paths_inside_the_repository_give_relative_uris(validator, tmp_path):
    write(tmp_path, "flows/a/bad.hp", BAD)
    write(tmp_path, "flows/b/clean.hp", PREAMBLE + "train on train\nevaluate on validation\ntest on test\n")
    log = sarif(tmp_path, os.path.join(str(tmp_path), "flows"))
    assert_valid(validator, log)
    assert_code_scanning_ready(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"flows/a/bad.hp"}


def test_a_clean_workflow_gives_a_valid_empty_log(validator, tmp_path):
    write(tmp_path, "clean.hp", PREAMBLE + "train on train\nevaluate on validation\ntest on test\n")
    log = sarif(tmp_path, "clean.hp")
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == []
    assert_code_scanning_ready(log)


def test_every_rule_is_described(validator, tmp_path):
    write(tmp_path, "bad.hp", BAD)
    rules = sarif(tmp_path, "bad.hp")["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["markdown"].startswith(f"# {rule['id']}")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")


def test_a_syntax_error_is_a_located_result(validator, tmp_path):
    write(tmp_path, "broken.hp", PREAMBLE + "train on\n")
    log = sarif(tmp_path, "broken.hp")
    assert_valid(validator, log)
    assert_code_scanning_ready(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["HP001"]


def test_a_suggested_name_is_a_sarif_fix(validator, tmp_path):
    write(tmp_path, "typo.hp", PREAMBLE + "train on trian\nevaluate on validation\ntest on test\n")
    log = sarif(tmp_path, "typo.hp")
    assert_valid(validator, log)
    (result,) = log["runs"][0]["results"]
    (fix,) = result["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "typo.hp"
    (replacement,) = change["replacements"]
    assert replacement["deletedRegion"] == result["locations"][0]["physicalLocation"]["region"]
    assert replacement["insertedContent"] == {"text": "train"}
    assert fix["description"]["text"] == "Replace 'trian' with 'train'"
    assert fix["properties"]["applicability"] == "unsafe"


def test_a_path_with_a_space_is_percent_encoded(validator, tmp_path):
    write(tmp_path, "my flows/bad.hp", BAD)
    log = sarif(tmp_path, "my flows/bad.hp")
    assert_code_scanning_ready(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] \
        == "my%20flows/bad.hp"


def test_checking_the_current_folder_gives_plain_relative_uris(validator, tmp_path):
    write(tmp_path, "flows/bad.hp", BAD)
    log = sarif(tmp_path, ".")
    assert_valid(validator, log)
    assert_code_scanning_ready(log)


def _without_link_setting() -> dict:
    env = dict(os.environ)
    env.pop("HPDSL_RULE_DOC_URL", None)
    return env


def test_by_default_no_rule_links_outside_the_project(validator, tmp_path):
    write(tmp_path, "bad.hp", BAD)
    result = hpdsl("check", "--format", "sarif", "bad.hp", cwd=str(tmp_path), env=_without_link_setting())
    log = json.loads(result.stdout)
    assert_valid(validator, log)
    driver = log["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    assert all("helpUri" not in rule for rule in driver["rules"])
    assert "http" not in json.dumps(log).replace("https://json.schemastore.org/sarif-2.1.0.json", "")


def test_the_link_setting_gives_every_rule_its_help_uri(validator, tmp_path):
    write(tmp_path, "bad.hp", BAD)
    env = {**_without_link_setting(), "HPDSL_RULE_DOC_URL": "https://docs.example.org/hpdsl/rules/{code}.html"}
    log = json.loads(hpdsl("check", "--format", "sarif", "bad.hp", cwd=str(tmp_path), env=env).stdout)
    assert_valid(validator, log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["helpUri"] for r in rules] == [f"https://docs.example.org/hpdsl/rules/{r['id']}.html" for r in rules]
    # A value without {code} cannot name one rule's page: no link rather than a wrong one.
    env["HPDSL_RULE_DOC_URL"] = "https://docs.example.org/hpdsl/"
    log = json.loads(hpdsl("check", "--format", "sarif", "bad.hp", cwd=str(tmp_path), env=env).stdout)
    assert all("helpUri" not in rule for rule in log["runs"][0]["tool"]["driver"]["rules"])
