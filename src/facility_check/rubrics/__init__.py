"""Rubric packs: the seed rubrics and plans as data, evaluated from facility records plus a district profile."""

from .evaluate import (
    Dashboard,
    ItemResult,
    RubricResult,
    dashboard,
    evaluate,
    evaluate_district,
    evaluate_item,
)
from .functions import REGISTRY, Context, Outcome, Record
from .pack import Item, Rubric, RubricError, load_file, packs, parse
from .profile import Profile, ProfileError, load_profile, profile_json_schema

__all__ = [
    "REGISTRY",
    "Context",
    "Dashboard",
    "Item",
    "ItemResult",
    "Outcome",
    "Profile",
    "ProfileError",
    "Record",
    "Rubric",
    "RubricError",
    "RubricResult",
    "dashboard",
    "evaluate",
    "evaluate_district",
    "evaluate_item",
    "load_file",
    "load_profile",
    "packs",
    "parse",
    "profile_json_schema",
]
