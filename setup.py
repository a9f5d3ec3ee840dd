"""Package layout that pyproject.toml cannot say alone: the repository's ``data/`` folder is
shipped inside the wheel as the package ``staffing.data`` (``staffing demo`` works wherever
staffing is installed). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["staffing*", "api*"]), "staffing.data"],
    package_dir={"staffing.data": "data"},
)
