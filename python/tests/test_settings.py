"""The settings schema from Python: every setting is listed once with its defaults, the engine resolves and
checks settings through the C ABI, and the docs' tables are the schema's (this test fails when they drift)."""
import json
import os

import pytest

import fcdd_swift as fs
from fcdd_swift import _lib, settings, settings_docs

import support


def test_the_schema_lists_every_setting_with_a_default_per_dataset_and_profile():
    schema = fs.settings_schema()
    assert schema["datasets"] == ["synthetic", "fmnist", "cifar10", "mvtec", "imagenet", "pascalvoc", "custom"]
    assert {p: v["runner"] for p, v in schema["profiles"].items()} == {"small_gray": "fmnist", "small": "cifar10",
                                                                        "large": "mvtec"}
    for name, field in schema["fields"].items():
        expected = (schema["datasets"] if "experiment" in field["contexts"] else []) + \
            (list(schema["profiles"]) if "detector" in field["contexts"] else [])
        assert list(field["default"]) == expected, name
        assert field["help"] and field["type"] in ("int", "number", "bool", "string", "path", "choice", "int_list",
                                                   "number_list"), name
    assert set(schema["fields"]) >= {"epochs", "lr", "noise_mode", "supervise_mode", "contamination", "logdir"}
    assert schema["fields"]["gauss_std"]["default"]["mvtec"] == 12


def test_resolved_settings_resolve_to_themselves_in_both_contexts():
    for context, given, shape in [("experiment", {}, None), ("experiment", {"dataset": "cifar10", "oe_limit": 8}, None),
                                  ("detector", {"epochs": 2}, (3, 500, 300)), ("detector", {}, (1, 28, 28))]:
        once = settings.resolve(context, given, data_shape=shape)
        again = settings.resolve(context, once["settings"], data_shape=shape)
        assert again["settings"] == once["settings"], (context, given)
        assert list(once["settings"]) == list(settings.fields(context))
    assert settings.resolve("detector", {}, data_shape=(3, 500, 300))["profile"] == "large"


def test_the_c_abi_refuses_bad_requests_with_a_message():
    for request, message in [({"context": "both"}, "'context' must be"),
                             ({"context": "detector", "settings": {}}, "data_shape must be [C, H, W]"),
                             ({"context": "experiment", "extra": 1}, "unknown request key 'extra'"),
                             ({"context": "experiment", "settings": [1]}, "settings must be a JSON object")]:
        with pytest.raises(fs.InvalidArgumentError, match=message.replace("[", r"\[").replace("]", r"\]")):
            _lib.read_json(_lib.lib.fcdd_settings_resolve, json.dumps(request).encode())


def test_a_detector_created_with_no_settings_resolves_them_from_the_images():
    from fcdd_swift.detector import native
    handle = native.DetectorHandle.create({})
    d = handle.describe()
    assert d["settings"] == {} and d["profile"] is None and not d["fitted"]
    handle.close()


def test_the_docs_tables_are_the_schemas():
    stale = settings_docs.stale_files(support.REPO)
    assert not stale, f"{stale}: run `python3 -m fcdd_swift.settings_docs` (from python/) to regenerate the tables"


def test_a_changed_table_is_noticed(tmp_path):
    for relative in settings_docs.FILES:
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(os.path.join(support.REPO, relative), encoding="utf-8") as f:
            target.write_text(f.read())
    usage = tmp_path / "docs" / "usage.md"
    usage.write_text(usage.read_text().replace("| fmnist | FCDD_CNN28_W | 128 | 400 |", "| fmnist | FCDD_CNN28_W | 128 | 300 |"))
    assert settings_docs.stale_files(str(tmp_path)) == ["docs/usage.md"]
    assert settings_docs.stale_files(str(tmp_path), write=True) == ["docs/usage.md"]
    assert "| fmnist | FCDD_CNN28_W | 128 | 400 |" in usage.read_text()
