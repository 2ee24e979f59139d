"""The verifier and the served documents ship inside the package (spotcheck/kit), so a
non-editable install serves them too; the checkout's tools/ and docs/ only link to them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from spotcheck import kit

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "spotcheck" / "kit"
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "var", "*.egg-info", "__pycache__", ".*_cache", "tmp"
)


def test_the_checkout_links_to_the_packaged_files_rather_than_copying_them():
    assert (ROOT / "tools" / "verify_draw.py").resolve() == (PACKAGED / "verify_draw.py").resolve()
    for name in kit.DOCUMENTS:
        assert (ROOT / "docs" / name).resolve() == (PACKAGED / "docs" / name).resolve()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the source tree (the build must not litter the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(ROOT, source, ignore=IGNORED, symlinks=True)
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(tmp)]
    subprocess.run(command, check=True, capture_output=True)
    (built,) = tmp.glob("spotcheck-*.whl")
    return built


def test_the_wheel_carries_the_verifier_and_the_documents(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "spotcheck/kit/verify_draw.py" in names
        assert archive.read("spotcheck/kit/verify_draw.py") == kit.verifier_bytes()
        for name in kit.DOCUMENTS:
            data = archive.read(f"spotcheck/kit/docs/{name}")
            assert data.decode("utf-8") == kit.document_text(name)
        archive.extractall(tmp_path / "site")
    # Installed elsewhere (no checkout around it), the package still finds its files.
    probe = (
        "from spotcheck import kit; import sys; "
        "sys.stdout.write(str(len(kit.verifier_bytes())) + ' ' + kit.__file__)"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, 'site'); {probe}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    size, location = done.stdout.split(" ", 1)
    assert int(size) == len(kit.verifier_bytes())
    assert Path(location).resolve().is_relative_to((tmp_path / "site").resolve())


@pytest.mark.django_db
def test_the_served_verifier_is_the_packaged_file(client):
    response = client.get(reverse("public:verifier"))
    assert response.status_code == 200
    assert response.content == (PACKAGED / "verify_draw.py").read_bytes()
    assert response["Content-Disposition"] == 'attachment; filename="verify_draw.py"'
