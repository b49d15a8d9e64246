"""Shared fixtures: each sample is built once per test session (WeasyPrint is slow)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.dossier import BuildResult, PrepareResult, build, prepare
from pipeline.paths import FIXTURES

CHI_BO = FIXTURES / "chi-bo-co-so"
DANG_BO = FIXTURES / "dang-bo-co-so"
QD366 = FIXTURES / "chi-bo-qd366"  # the default sample: the regime in force


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The CLI caches rendered forms; the tests use a folder of their own, never the
    user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOSO_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def built_chi_bo(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(CHI_BO, tmp_path_factory.mktemp("chi-bo") / "out")


@pytest.fixture(scope="session")
def built_dang_bo(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(DANG_BO, tmp_path_factory.mktemp("dang-bo") / "out")


@pytest.fixture(scope="session")
def built_qd366(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(QD366, tmp_path_factory.mktemp("qd366") / "out")


@pytest.fixture(scope="session")
def prepared_qd366(tmp_path_factory: pytest.TempPathFactory) -> PrepareResult:
    return prepare(QD366, tmp_path_factory.mktemp("prepare-qd366") / "chuan-bi")


@pytest.fixture(scope="session")
def prepared_chi_bo(tmp_path_factory: pytest.TempPathFactory) -> PrepareResult:
    return prepare(CHI_BO, tmp_path_factory.mktemp("prepare-chi-bo") / "chuan-bi")


@pytest.fixture(scope="session")
def prepared_dang_bo(tmp_path_factory: pytest.TempPathFactory) -> PrepareResult:
    return prepare(DANG_BO, tmp_path_factory.mktemp("prepare-dang-bo") / "chuan-bi")


@pytest.fixture
def unit_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """A writable copy of a sample unit folder, for tests that break it."""

    def copy(source: Path = CHI_BO) -> Path:
        target = tmp_path / source.name
        shutil.copytree(source, target)
        return target

    return copy
