"""Filesystem locations of the project, found relative to this package (never the cwd)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"
DATA_DIR = REPO_ROOT / "data"
TESTS_DIR = REPO_ROOT / "tests"
VAR_DIR = REPO_ROOT / "var"
MODELS_DIR = REPO_ROOT / "models"
BUILD_DIR = REPO_ROOT / "build"
SPACY_MODEL_DIR = BUILD_DIR / "spacy" / "en_ketamine_clinic"
DOMAIN_FILE = REPO_ROOT / "domain.yml"
CONFIG_FILE = REPO_ROOT / "config.yml"
