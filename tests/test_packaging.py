"""What pyproject.toml ships: every folder Python could import under a listed package is
listed itself (setuptools prints a page of warnings for each one left out, and a future
setuptools drops them), every file in them is in the wheel, and the licence is an SPDX
expression (the table form prints a deprecation page on every bootstrap)."""
import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"__pycache__"}


def _config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_licence_is_an_spdx_expression_not_a_table():
    project = _config()["project"]
    assert isinstance(project["license"], str) and project["license"].startswith("LicenseRef-")


def test_every_importable_folder_under_a_package_is_listed_and_every_file_ships():
    st = _config()["tool"]["setuptools"]
    packages = set(st["packages"])
    data = st.get("package-data", {})
    unlisted, unshipped = [], []
    for pkg in sorted(packages):
        folder = ROOT / pkg.replace(".", "/")
        assert folder.is_dir(), f"{pkg} is listed but {folder} does not exist"
        for sub in folder.iterdir():
            if sub.is_dir() and sub.name not in SKIP and sub.name.isidentifier():
                if any(f.is_file() for f in sub.rglob("*") if "__pycache__" not in f.parts):
                    if f"{pkg}.{sub.name}" not in packages:
                        unlisted.append(f"{pkg}.{sub.name}")
        for f in folder.iterdir():
            if f.is_file() and f.suffix not in (".py", ".pyc"):
                if not any(fnmatch.fnmatch(f.name, pat) for pat in data.get(pkg, [])):
                    unshipped.append(str(f.relative_to(ROOT)))
    assert not unlisted, f"folders setuptools would warn about (add them to packages): {unlisted}"
    assert not unshipped, f"files the wheel would leave out (add them to package-data): {unshipped}"
