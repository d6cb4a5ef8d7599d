"""MLflow's model-registry rules: model names, stages, aliases and tags."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from atrium.domain import validation
from atrium.domain.entities import STAGES
from atrium.errors import InvalidParameterValue

MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000
MAX_ALIAS_LENGTH = 255
PROMPT_TAG = "mlflow.prompt.is_prompt"


class _Tag(Protocol):
    @property
    def key(self) -> str | None: ...
    @property
    def value(self) -> str | None: ...


def grant_type_of(tags: Iterable[_Tag]) -> str:
    """The resource type permissions use for a registered model: ``prompt`` for a prompt."""
    prompt = any(tag.key == PROMPT_TAG and tag.value == "true" for tag in tags)
    return "prompt" if prompt else "registered_model"


_ALIAS_PATTERN = re.compile(r"^[\w\-]*$")
_VERSION_LIKE_ALIAS = re.compile(r"^[vV]\d+$")
_STAGES_BY_LOWER = {stage.lower(): stage for stage in STAGES}


def validate_model_name(name: str | None) -> str:
    if not name:
        raise InvalidParameterValue("Missing value for required parameter 'name'.")
    if "/" in name or ":" in name:
        raise InvalidParameterValue(
            f"Invalid model name '{name}'. Names cannot contain '/' or ':'."
        )
    if name != name.strip() or name in (".", "..") or len(name) > 256:
        raise InvalidParameterValue(f"Invalid model name '{name}'.")
    return name


def canonical_stage(stage: str | None) -> str:
    """The canonical spelling of a stage name given in any case; unknown names are refused."""
    canonical = _STAGES_BY_LOWER.get((stage or "").strip().lower())
    if canonical is None:
        raise InvalidParameterValue(
            f"Invalid Model Version stage: {stage}. Value must be one of {', '.join(STAGES)}."
        )
    return canonical


def validate_alias(alias: str | None) -> str:
    if not alias:
        raise InvalidParameterValue("Missing value for required parameter 'alias'.")
    if len(alias) > MAX_ALIAS_LENGTH:
        raise InvalidParameterValue(
            f"Alias name cannot be longer than {MAX_ALIAS_LENGTH} characters."
        )
    if not _ALIAS_PATTERN.match(alias):
        raise InvalidParameterValue(
            f"Invalid alias name: '{alias}'. Names may only contain alphanumerics, "
            "underscores (_), and dashes (-)."
        )
    if alias.lower() == "latest":
        raise InvalidParameterValue("'latest' alias name (case insensitive) is reserved.")
    if _VERSION_LIKE_ALIAS.match(alias):
        raise InvalidParameterValue(
            f"Version alias name '{alias}' is reserved: names of the form v<number> "
            "look like version numbers."
        )
    return alias


def parse_version(version: str | int | None) -> int:
    try:
        number = int(str(version))
    except ValueError:
        number = -1
    if number < 1:
        raise InvalidParameterValue(f"Parameter 'version' must be an integer, got '{version}'.")
    return number


def validate_registry_tag(key: str | None, value: str | None) -> None:
    validation.validate_key("tag", key)
    validation.validate_length("value", value, MAX_REGISTRY_TAG_VALUE_LENGTH)
