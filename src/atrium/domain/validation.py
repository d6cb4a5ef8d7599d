"""MLflow's rules for names, values and batch sizes; breaking one is INVALID_PARAMETER_VALUE."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from typing import TypeVar

from atrium.errors import InvalidParameterValue

T = TypeVar("T")

MAX_ENTITY_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20000
MAX_ARTIFACT_LOCATION_LENGTH = 2048
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_RUN_NAME_LENGTH = 250
MAX_DATASET_NAME_LENGTH = 500
MAX_DATASET_DIGEST_LENGTH = 36
MAX_DATASET_SOURCE_LENGTH = 65535
MAX_DATASET_SCHEMA_LENGTH = 1048575
MAX_DATASET_PROFILE_LENGTH = 16777215
MAX_INPUT_TAG_KEY_LENGTH = 255
MAX_INPUT_TAG_VALUE_LENGTH = 500
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

_KEY_PATTERN = re.compile(r"^[/\w.\- :]*$")
_RUN_ID_PATTERN = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
_LOGGED_MODEL_NAME_FORBIDDEN = set("/:.%\"'")


def required(value: T | None, name: str) -> T:
    """The value, or INVALID_PARAMETER_VALUE (MLflow's message) when it is missing or empty."""
    if value is None or value == "":
        raise InvalidParameterValue(
            f"Missing value for required parameter '{name}'. See the API docs for more "
            "information about request parameters."
        )
    return value


def _bad_key(kind: str, key: str, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Invalid {kind} name: '{key}'. {reason}")


@lru_cache(maxsize=4096)
def validate_key(kind: str, key: str | None) -> str:
    """Check a metric/param/tag key against MLflow's name rule; return it unchanged.

    Cached: a batch repeats the same few keys hundreds of times, and only valid keys are
    remembered (a failing call raises and caches nothing).
    """
    if key is None or key == "":
        raise InvalidParameterValue(f"Missing value for required parameter 'key' of {kind}.")
    if len(key) > MAX_ENTITY_KEY_LENGTH:
        raise InvalidParameterValue(
            f"'{kind} key' exceeds the maximum length of {MAX_ENTITY_KEY_LENGTH} characters"
        )
    if not _KEY_PATTERN.match(key):
        raise _bad_key(
            kind,
            key,
            "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.),"
            " spaces ( ), colon(:) and slashes (/).",
        )
    if posixpath.normpath(key) != key.rstrip("/") or key.endswith("/") or "//" in key:
        raise _bad_key(
            kind,
            key,
            "Names may be treated as files in certain cases, and must not"
            " resolve to other names when treated as such.",
        )
    if key == "." or key.startswith("..") or key.startswith("/"):
        raise _bad_key(kind, key, "Names must not be '.' or start with '..' or '/'.")
    return key


def validate_length(what: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidParameterValue(f"'{what}' exceeds the maximum length of {limit} characters")


def validate_param(key: str, value: str | None) -> None:
    validate_key("param", key)
    validate_length("params value", value, MAX_PARAM_VALUE_LENGTH)


def validate_tag(key: str, value: str | None) -> None:
    validate_key("tag", key)
    validate_length("tags value", value, MAX_TAG_VALUE_LENGTH)


def validate_experiment_tag(key: str, value: str | None) -> None:
    validate_key("tag", key)
    validate_length("value", value, MAX_EXPERIMENT_TAG_VALUE_LENGTH)


def validate_metric(key: str, value: float, timestamp: int, step: int) -> None:
    validate_key("metric", key)
    if not isinstance(value, float | int) or isinstance(value, bool):
        raise InvalidParameterValue(
            f"Got invalid value {value} for metric '{key}'. Please specify value as a valid double."
        )
    if not 0 <= timestamp <= INT64_MAX:
        raise InvalidParameterValue(
            f"Got invalid timestamp {timestamp} for metric '{key}' (value={value}). "
            "Timestamp must be a nonnegative long (64-bit integer)."
        )
    if not INT64_MIN <= step <= INT64_MAX:
        raise InvalidParameterValue(
            f"Got invalid step {step} for metric '{key}' (value={value}). "
            "Step must be a valid long (64-bit integer)."
        )


def validate_batch_sizes(n_metrics: int, n_params: int, n_tags: int) -> None:
    limits = (
        ("metrics", n_metrics, MAX_METRICS_PER_BATCH),
        ("params", n_params, MAX_PARAMS_TAGS_PER_BATCH),
        ("tags", n_tags, MAX_PARAMS_TAGS_PER_BATCH),
    )
    for name, count, limit in limits:
        if count > limit:
            raise InvalidParameterValue(
                f"A batch logging request can contain at most {limit} {name}. "
                f"Got {count} {name}. Please split up {name} across multiple requests and "
                "try again."
            )
    total = n_metrics + n_params + n_tags
    if total > MAX_ENTITIES_PER_BATCH:
        raise InvalidParameterValue(
            f"A batch logging request can contain at most {MAX_ENTITIES_PER_BATCH} total "
            f"metrics, params, and tags. Got {n_metrics} metrics, {n_params} params, "
            f"and {n_tags} tags. Please split up your data across multiple requests and try again."
        )


def validate_experiment_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise InvalidParameterValue(f"Invalid experiment name: '{name or ''}'")
    validate_length("name", name, MAX_EXPERIMENT_NAME_LENGTH)
    return name


def validate_artifact_location(location: str | None) -> None:
    if not location:
        return
    validate_length("artifact_location", location, MAX_ARTIFACT_LOCATION_LENGTH)
    if location.startswith("runs:"):
        raise InvalidParameterValue(
            f"Artifact location cannot be a runs:/ URI. Given: '{location}'"
        )


def validate_run_id(run_id: str | None, path: str = "run_id") -> str:
    if not run_id or not _RUN_ID_PATTERN.match(run_id):
        raise InvalidParameterValue(f"Invalid value '{run_id}' for parameter '{path}' supplied.")
    return run_id


def validate_logged_model_name(name: str) -> None:
    if not name:
        raise InvalidParameterValue("Logged model name cannot be empty.")
    bad = sorted(_LOGGED_MODEL_NAME_FORBIDDEN.intersection(name))
    if bad:
        raise InvalidParameterValue(
            f"Invalid model name '{name}': names may not contain any of {' '.join(bad)}"
        )
