"""The documents a newcomer reads stay short and keep naming every module."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_and_model_card_are_short():
    for doc in ("README.md", "weights/README.md"):
        assert len((ROOT / doc).read_text(encoding="utf-8").splitlines()) <= 200, doc


def test_the_readme_map_names_every_module_under_gui_and_model():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    modules = [p.relative_to(ROOT).as_posix() for folder in ("gui", "model") for p in (ROOT / folder).rglob("*.py")
               if p.name != "__init__.py" or p.parent.name == "model"]
    missing = [m for m in modules if f"`{m}`" not in readme]
    assert not missing, f"README's 'Where things are' does not name {missing}"
