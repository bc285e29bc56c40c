"""The templates every check reads, decoded once per module."""

import pytest

from stack import load


@pytest.fixture(scope="module")
def home():
    return load("template.yaml")


@pytest.fixture(scope="module")
def target():
    return load("target-account-role.yaml")


@pytest.fixture(scope="module")
def reader():
    return load("organization-reader-role.yaml")
