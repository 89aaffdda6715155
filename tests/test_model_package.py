"""The model package's front door: every public name, loaded only when used."""
import subprocess
import sys

import pytest

import model
from conftest import ROOT


def modules_loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter has imported after running ``code``."""
    script = f"{code}\nimport sys\nprint(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_every_public_name_resolves_and_is_listed():
    namespace = {}
    exec("from model import *", namespace)
    assert set(model.__all__) <= set(namespace)
    assert set(model.__all__) <= set(dir(model))
    assert len(model.__all__) == len(set(model.__all__))


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no attribute 'Recogniser'"):
        model.Recogniser    # noqa: B018


def test_importing_the_package_imports_none_of_its_parts():
    loaded = modules_loaded_by("import model")
    assert not {name for name in loaded if name.startswith("model.")}
    assert "torch" not in loaded


def test_reading_a_letter_loads_neither_explain_nor_training_tools_nor_torch_dynamo_nor_sympy():
    loaded = modules_loaded_by("import numpy as np, model\n"
                               "model.Recognizer.load().predict([np.array([[0.0, 0.0], [1.0, 1.0]])])")
    assert "model.recognizer" in loaded
    assert not loaded & {"model.explain", "model.sample_store", "model.personalize", "torch._dynamo", "sympy"}
