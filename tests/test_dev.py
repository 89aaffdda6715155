"""dev.py's choice of torch build, with the GPU detection and pip faked."""
import importlib.util
import subprocess

import pytest

from conftest import ROOT


@pytest.fixture
def dev(tmp_path, monkeypatch):
    """dev.py imported as a module, its venv stamp in a temp folder and pip
    replaced by a recorder (nothing is installed)."""
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "STAMP", tmp_path / "stamp")
    module.pip_calls = []
    monkeypatch.setattr(module.subprocess, "run", lambda cmd, **kwargs: module.pip_calls.append(cmd))
    monkeypatch.setattr(module, "cpu_index_reachable", lambda: True)
    return module


def no_gpu():
    return False


def a_gpu():
    return True


def test_without_a_gpu_the_cpu_build_is_chosen_and_says_why(dev):
    build, why = dev.choose_torch_build({}, no_gpu)
    assert build == "cpu" and "no NVIDIA GPU" in why
    assert dev.pip_index_args(build) == ["--extra-index-url", "https://download.pytorch.org/whl/cpu"]


def test_with_a_gpu_the_cuda_build_is_chosen_from_the_default_index(dev):
    build, why = dev.choose_torch_build({}, a_gpu)
    assert build == "cuda" and "NVIDIA GPU is present" in why
    assert dev.pip_index_args(build) == []


@pytest.mark.parametrize("asked, gpu", [("cpu", a_gpu), ("cuda", no_gpu), (" CUDA ", no_gpu)])
def test_the_environment_variable_overrides_the_detection(dev, asked, gpu):
    def not_asked():
        raise AssertionError("the GPU detection ran although the choice was made")
    build, why = dev.choose_torch_build({"LETTERLENS_TORCH": asked}, not_asked)
    assert build == asked.strip().lower() and why == f"LETTERLENS_TORCH={build}"


def test_an_unknown_build_in_the_environment_variable_is_refused_clearly(dev):
    with pytest.raises(SystemExit, match="LETTERLENS_TORCH must be cpu or cuda, not 'rocm'"):
        dev.choose_torch_build({"LETTERLENS_TORCH": "rocm"}, no_gpu)


def test_pip_gets_the_cpu_index_and_runs_again_only_when_the_choice_changes(dev, capsys):
    reqs = ["numpy>=1.26", "torch>=2.13,<2.14"]
    dev.ensure_deps(reqs, ("cpu", "no NVIDIA GPU found"))
    assert dev.pip_calls[-1][-4:] == ["--extra-index-url", dev.CPU_INDEX, *reqs]
    assert "torch: the CPU build (no NVIDIA GPU found)" in capsys.readouterr().out
    dev.ensure_deps(reqs, ("cpu", "no NVIDIA GPU found"))
    assert len(dev.pip_calls) == 1                      # nothing changed: pip is skipped
    dev.ensure_deps(reqs, ("cuda", "LETTERLENS_TORCH=cuda"))
    assert len(dev.pip_calls) == 2 and dev.CPU_INDEX not in dev.pip_calls[-1]
    dev.ensure_deps(reqs, ("cpu", "no NVIDIA GPU found"))
    assert len(dev.pip_calls) == 2                      # both installs are remembered


def test_a_gpu_is_detected_from_the_drivers_proc_entries(dev, tmp_path, monkeypatch):
    gpus = tmp_path / "gpus"
    (gpus / "0000:01:00.0").mkdir(parents=True)
    monkeypatch.setattr(dev, "NVIDIA_PROC_DIR", gpus)
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    assert dev.has_nvidia_gpu()


@pytest.mark.parametrize("smi_says, found", [
    (subprocess.CompletedProcess([], 0, "GPU 0: NVIDIA H100 (UUID: GPU-1)\n", ""), True),
    (subprocess.CompletedProcess([], 9, "", "NVIDIA-SMI has failed: no driver\n"), False),
    (None, False),                                          # no nvidia-smi on the PATH
])
def test_without_proc_entries_nvidia_smi_decides(dev, tmp_path, monkeypatch, smi_says, found):
    monkeypatch.setattr(dev, "NVIDIA_PROC_DIR", tmp_path / "absent")
    monkeypatch.setattr(dev.shutil, "which", lambda name: None if smi_says is None else "/usr/bin/nvidia-smi")
    monkeypatch.setattr(dev.subprocess, "run", lambda cmd, **kwargs: smi_says)
    assert dev.has_nvidia_gpu() is found


def test_an_unreachable_cpu_index_is_left_out_and_said(dev, monkeypatch, capsys):
    monkeypatch.setattr(dev, "cpu_index_reachable", lambda: False)
    dev.ensure_deps(["torch>=2.13,<2.14"], ("cpu", "no NVIDIA GPU found"))
    assert dev.CPU_INDEX not in dev.pip_calls[-1]
    assert "its index cannot be reached" in capsys.readouterr().out
