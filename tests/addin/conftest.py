from pathlib import Path

import pytest

from addin.addin_build import build_addin


@pytest.fixture(scope="session")
def xlam(tmp_path_factory) -> Path:
    """relance.xlam built once from this checkout."""
    return build_addin(tmp_path_factory.mktemp("build"))
