"""Permission levels, grant validation and the fold, as MLflow 3.17's basic-auth defines them."""

from __future__ import annotations

import pytest

from atrium.domain.permissions import (
    LEVELS,
    PERMISSIONS,
    RESOURCE_TYPES,
    WILDCARD_ONLY_TYPES,
    get_permission,
    strongest,
    synthetic_role_name,
    synthetic_role_owner,
    validate_grant,
    validate_role_name,
)
from atrium.errors import InvalidParameterValue


def test_levels_capabilities_and_priorities() -> None:
    assert tuple(PERMISSIONS) == LEVELS
    capabilities = {
        name: (p.can_read, p.can_use, p.can_update, p.can_delete, p.can_manage)
        for name, p in PERMISSIONS.items()
    }
    assert capabilities == {
        "READ": (True, False, False, False, False),
        "USE": (True, True, False, False, False),
        "EDIT": (True, True, True, False, False),
        "MANAGE": (True, True, True, True, True),
        "NO_PERMISSIONS": (False, False, False, False, False),
        "DENY": (False, False, False, False, False),
    }
    ranked = sorted(PERMISSIONS.values(), key=lambda p: p.priority)
    assert [p.name for p in ranked] == ["DENY", "NO_PERMISSIONS", "READ", "USE", "EDIT", "MANAGE"]
    assert [p.priority for p in ranked] == [-1, 0, 1, 2, 3, 4]
    assert PERMISSIONS["DENY"].denied and not PERMISSIONS["NO_PERMISSIONS"].denied


def test_unknown_permission_message() -> None:
    assert get_permission("EDIT") is PERMISSIONS["EDIT"]
    with pytest.raises(InvalidParameterValue) as caught:
        get_permission("FOO")
    assert caught.value.message == (
        "Invalid permission 'FOO'. Valid permissions are: "
        "('READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS', 'DENY')"
    )


def test_resource_types() -> None:
    assert {"workspace", "experiment", "registered_model", "prompt", "scorer", "mcp_server"} <= (
        RESOURCE_TYPES
    )
    assert {"run", "trace", "logged_model", "registered_model_version"} <= WILDCARD_ONLY_TYPES
    assert "experiment" not in WILDCARD_ONLY_TYPES


@pytest.mark.parametrize(
    ("resource_type", "pattern", "permission"),
    [
        ("workspace", "*", "USE"),
        ("workspace", "*", "MANAGE"),
        ("experiment", "12", "READ"),
        ("experiment", "*", "DENY"),
        ("registered_model", "my model", "EDIT"),
        ("prompt", "p", "MANAGE"),
        ("scorer", "3/my%20scorer", "USE"),
        ("run", "*", "EDIT"),
    ],
)
def test_valid_grants(resource_type: str, pattern: str, permission: str) -> None:
    assert validate_grant(resource_type, pattern, permission) is PERMISSIONS[permission]


@pytest.mark.parametrize(
    ("resource_type", "pattern", "permission", "message"),
    [
        (
            "experiment",
            "1",
            "NO_PERMISSIONS",
            "Invalid permission 'NO_PERMISSIONS' for resource_type='experiment'. Resource-level "
            "grants accept only: ('DENY', 'EDIT', 'MANAGE', 'READ', 'USE').",
        ),
        (
            "workspace",
            "*",
            "READ",
            "Invalid permission 'READ' for resource_type='workspace'. Workspace-wide grants "
            "accept only: ('MANAGE', 'USE').",
        ),
        (
            "run",
            "abc",
            "READ",
            "Invalid resource_pattern 'abc' for resource_type='run'. This resource type "
            "supports only wildcard ('*') grants.",
        ),
        (
            "workspace",
            "team-a",
            "USE",
            "Invalid resource_pattern 'team-a' for resource_type='workspace'. This resource "
            "type supports only wildcard ('*') grants.",
        ),
        ("experiment", "1", "SUPER", None),
        ("experiment", "", "READ", "resource_pattern cannot be empty."),
        ("experiment", "x" * 256, "READ", "resource_pattern must be at most 255 characters."),
    ],
)
def test_invalid_grants(
    resource_type: str, pattern: str, permission: str, message: str | None
) -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        validate_grant(resource_type, pattern, permission)
    if message is not None:
        assert caught.value.message == message
    else:
        assert caught.value.message.startswith("Invalid permission 'SUPER'.")


def test_unknown_resource_type_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        validate_grant("dataset", "*", "READ")
    assert caught.value.message.startswith("Invalid resource type 'dataset'. Valid resource types")
    assert "'workspace'" in caught.value.message


def test_strongest_folds_with_deny_veto() -> None:
    p = PERMISSIONS
    assert strongest([]) is None
    assert strongest([p["READ"], p["EDIT"], p["USE"]]) is p["EDIT"]
    assert strongest([p["MANAGE"], p["DENY"], p["READ"]]) is p["DENY"]
    assert strongest(iter([p["NO_PERMISSIONS"]])) is p["NO_PERMISSIONS"]
    assert strongest([p["NO_PERMISSIONS"], p["READ"]]) is p["READ"]


def test_role_names() -> None:
    assert validate_role_name("data-scientists") == "data-scientists"
    with pytest.raises(InvalidParameterValue) as caught:
        validate_role_name("__user_99__")
    assert caught.value.message.startswith(
        "Role name '__user_99__' uses the reserved '__user_' prefix, "
    )
    for bad in ("", "__user_anything", "r" * 256):
        with pytest.raises(InvalidParameterValue):
            validate_role_name(bad)


def test_synthetic_role_names() -> None:
    assert synthetic_role_name(7) == "__user_7__"
    assert synthetic_role_owner("__user_7__") == 7
    assert synthetic_role_owner("__user_x__") is None
    assert synthetic_role_owner("admin") is None
