#!/usr/bin/env python3
"""Bootstrap LetterLens for development, using only the standard library.

    python3 dev.py run  [app args]      start the app
    python3 dev.py test [pytest args]   run the test suite (headless)

Creates ./.venv on first use and installs the dependencies listed in
pyproject.toml (the single source of truth) into it.  The project itself is
not built or installed: main.py and the tests import it from the repo root.

torch comes as its CPU build (from PyTorch's CPU wheel index) unless an
NVIDIA GPU is present, when it is the CUDA build; LETTERLENS_TORCH=cpu or
LETTERLENS_TORCH=cuda chooses either way.
"""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

# Checked before anything newer is used, so old interpreters get a clear
# message instead of an ImportError for tomllib.
if sys.version_info < (3, 11):
    sys.exit("LetterLens needs Python 3.11 or newer; this is %d.%d." % sys.version_info[:2])

import tomllib  # noqa: E402  (3.11+, hence after the check)

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# venv puts the interpreter in Scripts\ on Windows and bin/ elsewhere.
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
# Holds one sha256 per requirement list already installed, so `run` and
# `test` (which need different lists) don't take turns re-running pip.
STAMP = VENV / ".letterlens-deps"

TORCH_ENV = "LETTERLENS_TORCH"
TORCH_BUILDS = ("cpu", "cuda")
# On Linux, PyPI's torch is the CUDA build, with several GB of NVIDIA
# libraries; this index holds the CPU build (version "+cpu", which pip prefers).
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
NVIDIA_PROC_DIR = Path("/proc/driver/nvidia/gpus")   # one folder per GPU while the driver is loaded


def requirements(extras):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return reqs


def has_nvidia_gpu():
    """Whether the NVIDIA driver sees a GPU: the Linux driver's /proc entries,
    else nvidia-smi (Windows, or /proc hidden in a container)."""
    if NVIDIA_PROC_DIR.is_dir() and any(NVIDIA_PROC_DIR.iterdir()):
        return True
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        listed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and "GPU" in listed.stdout


def choose_torch_build(environ=os.environ, gpu_present=has_nvidia_gpu):
    """("cpu" or "cuda", why), the environment variable first."""
    asked = environ.get(TORCH_ENV, "").strip().lower()
    if asked:
        if asked not in TORCH_BUILDS:
            sys.exit(f"dev.py: {TORCH_ENV} must be cpu or cuda, not {environ[TORCH_ENV]!r}.")
        return asked, f"{TORCH_ENV}={asked}"
    if gpu_present():
        return "cuda", f"an NVIDIA GPU is present; {TORCH_ENV}=cpu picks the CPU build"
    return "cpu", f"no NVIDIA GPU found; {TORCH_ENV}=cuda picks the CUDA build"


def pip_index_args(build):
    return ["--extra-index-url", CPU_INDEX] if build == "cpu" else []


def cpu_index_reachable(timeout=3.0):
    """Whether PyTorch's CPU index answers at all: behind a closed network pip
    would retry it for every package (about 8 s each) and then not use it."""
    try:
        socket.create_connection(("download.pytorch.org", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def has_pip(python):
    return subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode == 0


def ensure_venv():
    # A venv whose creation failed half-way (e.g. Debian without python3-venv)
    # has an interpreter but no pip: make it again rather than fail forever.
    if VENV_PYTHON.exists() and (STAMP.exists() or has_pip(VENV_PYTHON)):
        return
    print("creating virtual environment…", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    if not has_pip(VENV_PYTHON):
        sys.exit(f"dev.py: {VENV} has no pip. On Debian or Ubuntu, install python3-venv "
                 "(apt install python3-venv) and run this again.")


def ensure_deps(reqs, torch_build):
    build, why = torch_build
    index_args = pip_index_args(build)
    if index_args and not cpu_index_reachable():
        index_args, why = [], f"{why}; its index cannot be reached, so pip chooses from the ones it knows"
    # The index is part of what was installed: choosing another build runs pip again.
    digest = hashlib.sha256("\n".join([*reqs, *index_args]).encode()).hexdigest()
    done = STAMP.read_text().split() if STAMP.exists() else []
    if digest in done:
        return  # Nothing changed since the last install: skip pip, start instantly.
    print(f"torch: the {build.upper()} build ({why})", flush=True)
    print(f"installing {len(reqs)} package{'' if len(reqs) == 1 else 's'}…", flush=True)
    # pip only fetches what is missing or doesn't satisfy a spec.
    subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", *index_args, *reqs], check=True)
    STAMP.write_text("\n".join(done + [digest]) + "\n")


def launch(args):
    cmd = [str(VENV_PYTHON), *args]
    sys.stdout.flush()
    if os.name == "nt":
        # os.execv on Windows returns to the shell before the child ends;
        # wait instead so the exit code and Ctrl+C behave.
        sys.exit(subprocess.call(cmd, cwd=ROOT))
    os.chdir(ROOT)
    os.execv(cmd[0], cmd)  # replace this process: exit code and signals pass straight through


def main(argv):
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(__doc__)
        return
    if not argv or argv[0] not in ("run", "test"):
        unknown = f"dev.py: unknown command {argv[0]!r}\n" if argv else ""
        sys.exit(unknown + __doc__)
    command, rest = argv[0], argv[1:]
    try:
        ensure_venv()
        ensure_deps(requirements(["test"] if command == "test" else []), choose_torch_build())
    except subprocess.CalledProcessError as err:
        sys.exit(f"dev.py: setup failed ({' '.join(map(str, err.cmd))} exited with {err.returncode}); "
                 f"pip says why above. To start afresh, delete {VENV} and run this again.")
    if command == "run":
        launch(["main.py", *rest])
    # Tests must never need a display: without one Qt aborts the whole run.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    launch(["-m", "pytest", *rest])


if __name__ == "__main__":
    main(sys.argv[1:])
