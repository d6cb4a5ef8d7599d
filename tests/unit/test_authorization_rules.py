"""The pure permission rules (``atrium.domain.authorization``) and the TTL cache behind them.

Rules as the workspace permission model states them: a workspace admin manages everything in
the workspace before any DENY; otherwise grants on the resource or its type's wildcard fold (a
DENY vetoes, a positive level is raised to ``default_permission``); with no such grant the
workspace's floor applies. Lists differ: a grant on the row or wildcard decides ("tier
override"), and without one a workspace-wide grant shows the row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atrium.domain.authorization import (
    EVERYTHING,
    NOTHING,
    AccessRules,
    RowFilter,
    is_workspace_admin,
    may_create,
    not_denied,
    read_filter,
    resource_permission,
    type_level,
    workspace_level,
    workspace_visible,
)
from atrium.domain.permissions import PERMISSIONS, Permission
from atrium.services.auth.ttl_cache import TtlCache
from atrium.stores.auth.entities import Grant as StoredGrant

READ, USE, EDIT, MANAGE = (PERMISSIONS[n] for n in ("READ", "USE", "EDIT", "MANAGE"))
DENY, NONE = PERMISSIONS["DENY"], PERMISSIONS["NO_PERMISSIONS"]
TEAM = "team-a"
DEFAULT = "default"


@dataclass(frozen=True)
class G:
    """A grant as the rules see it (type, pattern, level name)."""

    resource_type: str
    resource_pattern: str
    permission: str


def exp(pattern: str, level: str) -> G:
    return G("experiment", pattern, level)


def ws(level: str) -> G:
    return G("workspace", "*", level)


def rules(
    default: str = "READ", *, workspaces: bool = True, autogrant: bool = False
) -> AccessRules:
    return AccessRules(PERMISSIONS[default], workspaces, autogrant)


ON = rules()


# --------------------------------------------------------------------------------------------
# The floor without a grant


@pytest.mark.parametrize(
    ("access", "workspace", "expected"),
    [
        (rules(workspaces=False), DEFAULT, READ),
        (rules(workspaces=False), TEAM, READ),  # workspaces off: one floor everywhere
        (rules("EDIT", workspaces=False), DEFAULT, EDIT),
        (rules(), DEFAULT, NONE),
        (rules(), TEAM, NONE),
        (rules(autogrant=True), DEFAULT, READ),
        (rules("USE", autogrant=True), DEFAULT, USE),
        (rules(autogrant=True), TEAM, NONE),  # the autogrant is for `default` only
        (rules("NO_PERMISSIONS", workspaces=False), DEFAULT, NONE),
    ],
)
def test_without_grant(access: AccessRules, workspace: str, expected: Permission) -> None:
    assert access.without_grant(workspace) is expected


# --------------------------------------------------------------------------------------------
# Point operations


def test_no_matching_grant_gives_the_workspace_floor() -> None:
    assert resource_permission(ON, [], "experiment", "1", TEAM) is NONE
    assert resource_permission(rules(workspaces=False), [], "experiment", "1", DEFAULT) is READ
    auto = rules(autogrant=True)
    assert resource_permission(auto, [], "experiment", "0", DEFAULT) is READ
    assert resource_permission(auto, [], "experiment", "0", TEAM) is NONE
    # Grants on another id, another type, or unknown level names do not match.
    unrelated = [exp("2", "MANAGE"), G("registered_model", "*", "MANAGE"), exp("1", "BOGUS")]
    assert resource_permission(ON, unrelated, "experiment", "1", TEAM) is NONE


def test_a_workspace_member_cannot_read_others_resources_on_point_routes() -> None:
    # USE on the workspace is not a resource grant: point routes fall back to the floor.
    assert resource_permission(ON, [ws("USE")], "experiment", "1", TEAM) is NONE
    assert resource_permission(ON, [ws("USE"), exp("1", "MANAGE")], "experiment", "1", TEAM) is (
        MANAGE
    )


def test_workspace_admin_manages_everything_before_any_deny() -> None:
    for grants in (
        [ws("MANAGE")],
        [ws("MANAGE"), exp("1", "DENY")],
        [exp("*", "DENY"), ws("MANAGE"), ws("USE")],
        [ws("USE"), ws("MANAGE"), G("registered_model", "m", "DENY")],
    ):
        assert resource_permission(ON, grants, "experiment", "1", TEAM) is MANAGE
        assert resource_permission(ON, grants, "registered_model", "m", TEAM) is MANAGE
        assert is_workspace_admin(grants)
    assert not is_workspace_admin([ws("USE")])
    assert not is_workspace_admin([exp("*", "MANAGE")])


@pytest.mark.parametrize(
    "grants",
    [
        [exp("1", "DENY")],
        [exp("1", "MANAGE"), exp("1", "DENY")],
        [exp("*", "MANAGE"), exp("1", "DENY")],
        [exp("*", "DENY"), exp("1", "MANAGE")],
        [ws("USE"), exp("*", "DENY")],
    ],
)
def test_deny_vetoes_every_positive_grant(grants: list[G]) -> None:
    assert resource_permission(ON, grants, "experiment", "1", TEAM) is DENY
    # Even where the floor alone would allow reading.
    assert resource_permission(rules(workspaces=False), grants, "experiment", "1", DEFAULT) is DENY
    assert resource_permission(rules(autogrant=True), grants, "experiment", "1", DEFAULT) is DENY


def test_a_deny_on_another_id_does_not_veto() -> None:
    grants = [exp("1", "EDIT"), exp("2", "DENY")]
    assert resource_permission(ON, grants, "experiment", "1", TEAM) is EDIT
    assert resource_permission(ON, grants, "experiment", "2", TEAM) is DENY


@pytest.mark.parametrize(
    ("default", "granted", "expected"),
    [
        ("READ", "READ", READ),
        ("READ", "USE", USE),
        ("EDIT", "READ", EDIT),  # raised to the floor
        ("EDIT", "USE", EDIT),
        ("EDIT", "MANAGE", MANAGE),  # never lowered to it
        ("MANAGE", "READ", MANAGE),
        ("NO_PERMISSIONS", "READ", READ),
    ],
)
def test_a_positive_grant_is_raised_to_default_permission(
    default: str, granted: str, expected: Permission
) -> None:
    access = rules(default)
    assert resource_permission(access, [exp("1", granted)], "experiment", "1", TEAM) is expected
    assert resource_permission(access, [exp("*", granted)], "experiment", "1", TEAM) is expected


def test_the_strongest_matching_grant_wins() -> None:
    grants = [exp("*", "READ"), exp("1", "EDIT"), exp("1", "USE")]
    assert resource_permission(ON, grants, "experiment", "1", TEAM) is EDIT
    assert resource_permission(ON, grants, "experiment", "2", TEAM) is READ
    assert type_level(grants, "experiment", "1") is EDIT
    assert type_level(grants, "experiment", "3") is READ
    assert type_level(grants, "registered_model", "1") is None


def test_stored_grant_records_satisfy_the_rules() -> None:
    grants = [
        StoredGrant(TEAM, "workspace", "*", "USE", synthetic=False),
        StoredGrant(TEAM, "experiment", "7", "MANAGE", synthetic=True),
    ]
    assert workspace_level(grants) is USE
    assert resource_permission(ON, grants, "experiment", "7", TEAM) is MANAGE
    assert may_create(ON, grants, "experiment", "x", TEAM)


# Property checks over small random grant sets.

TYPES = ("experiment", "registered_model", "workspace")
KEYS = ("1", "2", "3")
LEVEL_NAMES = ("READ", "USE", "EDIT", "MANAGE", "DENY")


@st.composite
def grant_sets(draw: st.DrawFn, workspace_grants: bool = True) -> list[G]:
    types = TYPES if workspace_grants else TYPES[:2]
    grant = st.builds(
        lambda t, k, lv: G(t, "*" if t == "workspace" else k, lv),
        st.sampled_from(types),
        st.sampled_from((*KEYS, "*")),
        st.sampled_from(LEVEL_NAMES),
    )
    found = draw(st.lists(grant, max_size=6))
    # Workspace-wide grants are USE or MANAGE only.
    return [g for g in found if g.resource_type != "workspace" or g.permission in ("USE", "MANAGE")]


access_rules = st.builds(
    AccessRules,
    st.sampled_from([PERMISSIONS[n] for n in ("READ", "USE", "EDIT", "MANAGE", "NO_PERMISSIONS")]),
    st.booleans(),
    st.booleans(),
)
workspaces = st.sampled_from((DEFAULT, TEAM))


@settings(max_examples=200, deadline=None)
@given(access_rules, grant_sets(), st.sampled_from(KEYS), workspaces, st.randoms())
def test_resource_permission_ignores_grant_order(
    access: AccessRules, grants: list[G], key: str, workspace: str, rnd: random.Random
) -> None:
    shuffled = list(grants)
    rnd.shuffle(shuffled)
    assert resource_permission(access, grants, "experiment", key, workspace) == (
        resource_permission(access, shuffled, "experiment", key, workspace)
    )


@settings(max_examples=200, deadline=None)
@given(access_rules, grant_sets(), st.sampled_from(KEYS), workspaces, st.sampled_from(LEVEL_NAMES))
def test_adding_a_grant_moves_the_level_as_the_model_says(
    access: AccessRules, grants: list[G], key: str, workspace: str, level: str
) -> None:
    before = resource_permission(access, grants, "experiment", key, workspace)
    after = resource_permission(access, [*grants, exp(key, level)], "experiment", key, workspace)
    if is_workspace_admin(grants):
        assert before is MANAGE and after is MANAGE
    elif level == "DENY":
        assert after is DENY  # a DENY always vetoes (short of a workspace admin)
    elif before is DENY:
        assert after is DENY  # a positive grant never lifts a DENY
    else:
        assert after.priority >= before.priority  # never lowers
        assert after.priority >= max(
            PERMISSIONS[level].priority, access.default_permission.priority
        )
        assert after.can_read


def _listed_by_model(access: AccessRules, grants: list[G], key: str, workspace: str) -> bool:
    """The list rule, straight from its statement: a typed grant on the row or the wildcard
    decides; otherwise the workspace-wide grant; otherwise the floor."""
    typed = [
        PERMISSIONS[g.permission]
        for g in grants
        if g.resource_type == "experiment" and g.resource_pattern in (key, "*")
    ]
    if typed:
        return not any(p is DENY for p in typed)
    member = [PERMISSIONS[g.permission] for g in grants if g.resource_type == "workspace"]
    if member:
        return True  # USE and MANAGE both read
    return access.without_grant(workspace).can_read


@settings(max_examples=300, deadline=None)
@given(access_rules, grant_sets(), workspaces)
def test_read_filter_matches_the_list_rule(
    access: AccessRules, grants: list[G], workspace: str
) -> None:
    rows = read_filter(access, grants, "experiment", workspace)
    for key in (*KEYS, "99"):
        assert rows.allows(key) is _listed_by_model(access, grants, key, workspace), key


@settings(max_examples=300, deadline=None)
@given(access_rules, grant_sets(workspace_grants=False), workspaces)
def test_without_workspace_grants_lists_and_point_reads_agree(
    access: AccessRules, grants: list[G], workspace: str
) -> None:
    rows = read_filter(access, grants, "experiment", workspace)
    for key in (*KEYS, "99"):
        point = resource_permission(access, grants, "experiment", key, workspace)
        assert rows.allows(key) is point.can_read, key


# --------------------------------------------------------------------------------------------
# Lists


def test_read_filter_cases() -> None:
    assert read_filter(ON, [], "experiment", TEAM) == NOTHING
    assert read_filter(ON, [ws("USE")], "experiment", TEAM) == EVERYTHING
    assert read_filter(rules(workspaces=False), [], "experiment", DEFAULT) == EVERYTHING
    assert read_filter(rules(autogrant=True), [], "experiment", DEFAULT) == EVERYTHING
    assert read_filter(rules(autogrant=True), [], "experiment", TEAM) == NOTHING
    assert read_filter(rules("NO_PERMISSIONS", workspaces=False), [], "experiment", DEFAULT) == (
        NOTHING
    )
    # Only the granted rows, DENY removing one even when another role grants it.
    grants = [exp("1", "READ"), exp("2", "MANAGE"), exp("2", "DENY"), exp("3", "DENY")]
    assert read_filter(ON, grants, "experiment", TEAM) == RowFilter(frozenset({"1"}))
    # Grants of another type change nothing here.
    assert read_filter(ON, [G("registered_model", "*", "READ")], "experiment", TEAM) == NOTHING


def test_tier_override_in_lists() -> None:
    # A member sees every row but the denied ones...
    member = [ws("USE"), exp("2", "DENY")]
    rows = read_filter(ON, member, "experiment", TEAM)
    assert rows == RowFilter(None, frozenset({"2"}))
    assert [k for k in ("1", "2", "3") if rows.allows(k)] == ["1", "3"]
    # ...and a DENY on the type's wildcard hides everything, workspace admin or not.
    for workspace_grant in ("USE", "MANAGE"):
        grants = [ws(workspace_grant), exp("1", "MANAGE"), exp("*", "DENY")]
        assert read_filter(ON, grants, "experiment", TEAM) == NOTHING
    # A wildcard READ shows every row, as the floor would.
    assert read_filter(ON, [exp("*", "READ")], "experiment", TEAM) == EVERYTHING


def test_row_filter_allows() -> None:
    assert EVERYTHING.allows("x") and not NOTHING.allows("x")
    only = RowFilter(frozenset({"a", "b"}), frozenset({"b"}))
    assert [k for k in "abc" if only.allows(k)] == ["a"]
    but = RowFilter(None, frozenset({"b"}))
    assert [k for k in "abc" if but.allows(k)] == ["a", "c"]


# --------------------------------------------------------------------------------------------
# Creating


@pytest.mark.parametrize(
    ("access", "grants", "workspace", "expected"),
    [
        (ON, [], TEAM, False),
        (ON, [ws("USE")], TEAM, True),
        (ON, [ws("MANAGE")], TEAM, True),
        (ON, [exp("*", "MANAGE")], TEAM, False),  # resource grants do not make a member
        (ON, [], DEFAULT, False),
        (rules(autogrant=True), [], DEFAULT, False),  # READ floor cannot use
        (rules("USE", autogrant=True), [], DEFAULT, True),
        (rules("EDIT", autogrant=True), [], DEFAULT, True),
        (rules("MANAGE", autogrant=True), [], TEAM, False),  # autogrant is `default` only
        (rules(workspaces=False), [], DEFAULT, True),
        (rules("NO_PERMISSIONS", workspaces=False), [], DEFAULT, True),
    ],
)
def test_may_create(access: AccessRules, grants: list[G], workspace: str, expected: bool) -> None:
    assert may_create(access, grants, "experiment", "new", workspace) is expected
    assert may_create(access, grants, "experiment", None, workspace) is expected


@pytest.mark.parametrize(
    "access", [ON, rules(workspaces=False), rules("USE", autogrant=True)], ids=["on", "off", "auto"]
)
def test_a_deny_on_the_created_type_vetoes_creating(access: AccessRules) -> None:
    for base in ([ws("USE")], [ws("MANAGE")], []):
        assert not may_create(access, [*base, exp("*", "DENY")], "experiment", "new", DEFAULT)
        assert not may_create(access, [*base, exp("new", "DENY")], "experiment", "new", DEFAULT)
    # A DENY on another name, or on another type, does not.
    assert may_create(access, [ws("USE"), exp("old", "DENY")], "experiment", "new", DEFAULT)
    other_type = [ws("USE"), G("registered_model", "*", "DENY")]
    assert may_create(access, other_type, "experiment", "new", DEFAULT)
    assert not may_create(access, other_type, "registered_model", "m", DEFAULT)


def test_not_denied() -> None:
    assert not_denied([], "run")
    assert not_denied([G("run", "*", "READ")], "run")
    assert not not_denied([G("run", "*", "DENY")], "run")
    assert not_denied([G("run", "*", "DENY")], "logged_model")
    assert not_denied([exp("5", "DENY")], "experiment")  # only the wildcard by default
    assert not not_denied([exp("5", "DENY")], "experiment", "5")


# --------------------------------------------------------------------------------------------
# Which workspaces a user sees


def test_workspace_visible() -> None:
    auto = rules(autogrant=True)
    assert workspace_visible(ON, TEAM, {TEAM}, {})  # any ordinary role, even an empty one
    assert not workspace_visible(ON, TEAM, {"team-b"}, {})
    assert workspace_visible(ON, TEAM, set(), {TEAM: USE})
    assert workspace_visible(ON, TEAM, set(), {TEAM: MANAGE})
    assert not workspace_visible(ON, TEAM, set(), {TEAM: NONE})
    assert not workspace_visible(ON, TEAM, set(), {"team-b": MANAGE})
    assert not workspace_visible(ON, DEFAULT, set(), {})
    assert workspace_visible(auto, DEFAULT, set(), {})
    assert not workspace_visible(auto, TEAM, set(), {})
    assert not workspace_visible(rules(workspaces=False, autogrant=True), DEFAULT, set(), {})


# --------------------------------------------------------------------------------------------
# TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ttl_cache_entries_expire() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(10, 5.0, clock)
    cache.put("a", 1)
    clock.now += 4.999
    assert cache.get("a") == 1
    clock.now += 0.001  # exactly the TTL: gone
    assert cache.get("a") is None
    assert cache.get("a", -1) == -1
    assert len(cache) == 0
    # A put restarts the entry's life.
    cache.put("a", 2)
    clock.now += 3
    cache.put("a", 3)
    clock.now += 3
    assert cache.get("a") == 3


def test_ttl_cache_per_entry_lifetime_is_capped_by_the_cache_ttl() -> None:
    clock = Clock()
    cache: TtlCache[str, str] = TtlCache(10, 5.0, clock)
    cache.put("short", "s", ttl=1.0)
    cache.put("long", "l", ttl=60.0)
    clock.now += 1.0
    assert cache.lookup("short") == (False, None)
    assert cache.get("long") == "l"
    clock.now += 4.0
    assert cache.lookup("long") == (False, None)


def test_ttl_cache_lookup_tells_a_cached_none_from_a_miss() -> None:
    clock = Clock()
    cache: TtlCache[str, str | None] = TtlCache(10, 5.0, clock)
    assert cache.lookup("k") == (False, None)
    cache.put("k", None)
    assert cache.lookup("k") == (True, None)
    assert cache.get("k", "fallback") is None  # a stored None is a value
    clock.now += 5
    assert cache.lookup("k") == (False, None)


def test_ttl_cache_is_bounded_and_evicts_the_oldest() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(2, 60.0, clock)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)  # re-putting makes "a" the newest
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.lookup("b") == (False, None)
    assert (cache.get("a"), cache.get("c")) == (10, 3)


def test_ttl_cache_discard_clear_and_disabled() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(5, 60.0, clock)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.discard("a")
    cache.discard("missing")
    assert (cache.get("a"), cache.get("b")) == (None, 2)
    cache.put("a1", 3)
    cache.put("a2", 4)
    cache.discard_if(lambda key: key.startswith("a"))
    assert (cache.get("a1"), cache.get("a2"), cache.get("b")) == (None, None, 2)
    cache.clear()
    assert len(cache) == 0 and cache.get("b") is None
    disabled_caches: list[TtlCache[str, int]] = [
        TtlCache(0, 60.0, clock),
        TtlCache(-3, 60.0, clock),
        TtlCache(5, 0, clock),
    ]
    for disabled in disabled_caches:
        disabled.put("a", 1)
        assert disabled.lookup("a") == (False, None)
        assert len(disabled) == 0


ops = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from("abcde"), st.integers(0, 9)),
        st.tuples(st.just("tick"), st.just(""), st.integers(0, 4)),
        st.tuples(st.just("discard"), st.sampled_from("abcde"), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), ops)
def test_ttl_cache_never_returns_stale_or_foreign_values(
    max_size: int, ttl: int, operations: list[tuple[str, str, int]]
) -> None:
    """Whatever happens, a hit is the latest value put for that key within its lifetime; the
    newest entry is always found while it lives; the size never exceeds the bound."""
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(max_size, float(ttl), clock)
    latest: dict[str, tuple[int, float]] = {}  # key -> (value, expiry)
    newest: str | None = None
    for op, key, number in operations:
        if op == "put":
            cache.put(key, number)
            latest[key] = (number, clock.now + ttl)
            newest = key
        elif op == "tick":
            clock.now += number
        elif op == "discard":
            cache.discard(key)
            latest.pop(key, None)
            newest = None if newest == key else newest
        for name in "abcde":
            hit, value = cache.lookup(name)
            if hit:
                assert name in latest and value == latest[name][0], name
                assert clock.now < latest[name][1], name
        if newest is not None and clock.now < latest[newest][1]:
            assert cache.lookup(newest) == (True, latest[newest][0])
        assert len(cache) <= max_size
