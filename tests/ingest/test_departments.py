"""Printed department names against the departments seed: the seed's spellings, the variants of
official names matched by the division they name, and the names left unmatched rather than guessed."""

from __future__ import annotations

import pytest

from ingest.departments import DepartmentDirectory
from jixiao.runtime.settings import Settings


@pytest.fixture(scope="module")
def directory() -> DepartmentDirectory:
    return DepartmentDirectory.from_seed(Settings.from_env().departments_seed)


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        # the seed's name and aliases, with the suffixes and second names documents add
        ("广州市科学技术局（本级）", "gz_sti"),
        ("广州市黄埔区科学技术局（广州开发区科技创新局）", "huangpu_sti"),
        ("广州开发区科技创新局", "huangpu_sti"),
        # the real published 南沙 form, and other official spellings by district
        ("广州南沙经济技术开发区科学技术局", "nansha_sti"),
        ("广州南沙开发区管委会科技创新局", "nansha_sti"),
        ("广州市南沙区科技局（部门）", "nansha_sti"),
        ("广州市天河区科工信局", "tianhe_sti"),
        ("增城区科技工业商务和信息化局", "zengcheng_sti"),
        # the city, when no district is named
        ("广州市科技创新委员会", "gz_sti"),
    ],
)
def test_a_variant_of_an_official_name_is_matched(
    directory: DepartmentDirectory, printed: str, code: str
) -> None:
    assert directory.match(printed) == code


@pytest.mark.parametrize(
    "printed",
    [
        "广州市南沙区黄埔科技协作办公室",  # names two districts: ambiguous
        "广州市发展和改革委员会",  # the city's, but not a science and technology bureau
        "广州市南沙区财政局",  # a district's, but not a science and technology bureau
        "深圳市科技创新局",  # a city the seed does not list
        "",
    ],
)
def test_an_ambiguous_or_foreign_name_is_left_unmatched(directory: DepartmentDirectory, printed: str) -> None:
    assert directory.match(printed) is None
