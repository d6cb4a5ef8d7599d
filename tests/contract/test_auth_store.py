"""The auth store on SQLite and PostgreSQL: schema, users, roles, grants and access tokens."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from atrium.errors import (
    InvalidParameterValue,
    InvalidState,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from atrium.services.auth.tokens import new_token
from atrium.stores.auth import migrate
from atrium.stores.auth.repository import AuthStore, Grant, User
from atrium.stores.auth.schema import VERSION_TABLE, metadata
from atrium.stores.sql import migrate as tracking_migrate
from atrium.stores.sql.database import create_engine
from tests.support import postgres

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$not-a-real-hash-but-opaque-to-the-store"


@contextmanager
def _fresh_database(backend_uri: str, folder: Path) -> Iterator[str]:
    """An empty database of ``backend_uri``'s kind that no other suite shares."""
    if backend_uri.startswith("sqlite"):
        yield f"sqlite:///{folder / 'auth.db'}"
        return
    uri = postgres.create_database()
    try:
        yield uri
    finally:
        postgres.drop_database(uri)


@pytest.fixture(scope="module")
def shared_store(backend_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthStore]:
    with _fresh_database(backend_uri, tmp_path_factory.mktemp("auth")) as uri:
        store = AuthStore.from_uri(uri)
        try:
            yield store
        finally:
            store.database.dispose()


@pytest.fixture
def store(shared_store: AuthStore) -> AuthStore:
    """The module's store, emptied before each test."""
    with shared_store.database.write() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    return shared_store


@pytest.fixture
def alice(store: AuthStore) -> User:
    return store.create_user("alice", HASH)


@pytest.fixture
def bob(store: AuthStore) -> User:
    return store.create_user("bob", HASH)


# --- schema ---------------------------------------------------------------------------------


def test_migrations_reach_head_and_match_schema(backend_uri: str, tmp_path: Path) -> None:
    with _fresh_database(backend_uri, tmp_path) as uri:
        engine = create_engine(uri)
        try:
            migrate.upgrade(engine)
            migrate.upgrade(engine)  # idempotent
            assert migrate.current_revision(engine) == migrate.head_revision()
            with engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
                )
                assert compare_metadata(context, metadata) == []
        finally:
            engine.dispose()


def test_shares_a_database_with_the_tracking_store(backend_uri: str, tmp_path: Path) -> None:
    with _fresh_database(backend_uri, tmp_path) as uri:
        engine = create_engine(uri)
        try:
            tracking_migrate.upgrade(engine)
            store = AuthStore.from_uri(uri)
            store.create_user("carol", HASH)
            store.database.dispose()
            assert tracking_migrate.current_revision(engine) == tracking_migrate.head_revision()
            assert migrate.current_revision(engine) == migrate.head_revision()
            tables = set(sa.inspect(engine).get_table_names())
            assert {"alembic_version", VERSION_TABLE, "users", "experiments"} <= tables
            tracking_migrate.upgrade(engine)  # each tree ignores the other's tables
        finally:
            engine.dispose()


def test_refuses_a_database_with_foreign_auth_tables(backend_uri: str, tmp_path: Path) -> None:
    with _fresh_database(backend_uri, tmp_path) as uri:
        engine = create_engine(uri)
        try:
            with engine.begin() as conn:  # what an MLflow basic_auth.db looks like to us
                conn.execute(sa.text("CREATE TABLE users (id INTEGER PRIMARY KEY)"))
            with pytest.raises(InvalidState) as caught:
                AuthStore.from_uri(uri)
            assert "(users)" in caught.value.message
            assert migrate.current_revision(engine) is None
        finally:
            engine.dispose()


def test_unreachable_database_is_one_line_invalid_state() -> None:
    with pytest.raises(InvalidState) as caught:
        AuthStore.from_uri("postgresql://nobody@127.0.0.1:1/auth")
    assert caught.value.message.startswith("Cannot open the auth database: ")
    assert "\n" not in caught.value.message


# --- users ----------------------------------------------------------------------------------


def test_create_and_read_users(store: AuthStore) -> None:
    alice = store.create_user("alice", HASH, is_admin=True)
    robot = store.create_user("robot", None, is_service=True)
    assert alice == User(alice.id, "alice", True, HASH, False)
    assert robot == User(robot.id, "robot", False, None, True)
    assert store.get_user("alice") == alice
    assert store.get_user_by_id(robot.id) == robot
    assert store.get_user("nobody") is None
    assert store.get_user_by_id(robot.id + 1000) is None
    assert store.list_users() == [alice, robot]


def test_user_mistakes(store: AuthStore, alice: User) -> None:
    with pytest.raises(ResourceAlreadyExists) as caught:
        store.create_user("alice", HASH)
    assert caught.value.message == "User 'alice' already exists."
    with pytest.raises(InvalidParameterValue):
        store.create_user("", HASH)
    with pytest.raises(InvalidParameterValue):
        store.create_user("u" * 256, HASH)
    with pytest.raises(ResourceDoesNotExist):
        store.set_password("nobody", HASH)
    with pytest.raises(ResourceDoesNotExist):
        store.set_admin("nobody", True)
    with pytest.raises(ResourceDoesNotExist):
        store.delete_user("nobody")
    assert store.list_users() == [alice]


def test_set_password_and_admin(store: AuthStore, alice: User) -> None:
    store.set_password("alice", "$argon2id$new")
    store.set_admin("alice", True)
    assert store.get_user("alice") == User(alice.id, "alice", True, "$argon2id$new", False)
    store.set_admin("alice", False)
    assert store.get_user_by_id(alice.id) == User(alice.id, "alice", False, "$argon2id$new", False)


def test_delete_user_removes_everything_it_owns(store: AuthStore, alice: User, bob: User) -> None:
    team = store.create_role("team-a", "team", None)
    store.assign_role(alice.id, team.id)
    store.assign_role(bob.id, team.id)
    store.grant(alice.id, "team-a", "experiment", "1", "MANAGE")
    store.grant(alice.id, "team-b", "registered_model", "m", "EDIT")
    store.grant(bob.id, "team-a", "experiment", "2", "MANAGE")
    store.create_token(alice.id, new_token()[1], None, 1, None, None, False)
    bob_token = store.create_token(bob.id, new_token()[1], None, 1, None, None, False)

    store.delete_user("alice")

    assert store.get_user("alice") is None
    assert store.roles_of_user(alice.id) == []
    assert store.list_tokens(alice.id) == []
    assert store.list_tokens() == [bob_token]
    remaining = store.list_roles()
    assert [r.name for r in remaining] == ["team", f"__user_{bob.id}__"]
    assert store.users_of_role(team.id) == [(store.users_of_role(team.id)[0][0], bob.id, team.id)]
    assert [g.resource_pattern for g in store.grants_of_user(bob.id)] == ["2"]


# --- roles ----------------------------------------------------------------------------------


def test_create_get_list_roles(store: AuthStore) -> None:
    a = store.create_role("team-a", "readers", "Can read")
    b = store.create_role("team-b", "readers", None)
    assert (a.name, a.workspace, a.description, a.permissions) == (
        "readers",
        "team-a",
        "Can read",
        (),
    )
    assert not a.synthetic
    assert store.get_role(a.id) == a
    assert store.get_role(b.id + 1000) is None
    assert store.list_roles() == [a, b]
    assert store.list_roles(["team-b", "team-z"]) == [b]
    assert store.list_roles([]) == []
    with pytest.raises(ResourceAlreadyExists) as caught:
        store.create_role("team-a", "readers", None)
    assert caught.value.message == "Role (name=readers, workspace=team-a) already exists."


def test_role_name_rules(store: AuthStore) -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        store.create_role("team-a", "__user_1__", None)
    assert "reserved '__user_' prefix" in caught.value.message
    with pytest.raises(InvalidParameterValue):
        store.create_role("", "readers", None)
    with pytest.raises(InvalidParameterValue):
        store.create_role("team-a", "readers", "d" * 1025)
    assert store.list_roles() == []


def test_update_role(store: AuthStore) -> None:
    role = store.create_role("team-a", "readers", "old")
    store.create_role("team-a", "writers", None)
    renamed = store.update_role(role.id, "viewers", None)
    assert (renamed.name, renamed.description) == ("viewers", "old")
    described = store.update_role(role.id, None, "new")
    assert (described.name, described.description) == ("viewers", "new")
    assert store.update_role(role.id, "viewers", None) == described  # same name is fine
    with pytest.raises(ResourceAlreadyExists):
        store.update_role(role.id, "writers", None)
    with pytest.raises(InvalidParameterValue):
        store.update_role(role.id, "__user_5__", None)
    with pytest.raises(ResourceDoesNotExist):
        store.update_role(role.id + 1000, "x", None)
    assert store.get_role(role.id) == described


def test_synthetic_role_cannot_be_renamed(store: AuthStore, alice: User) -> None:
    store.grant(alice.id, "team-a", "experiment", "1", "READ")
    (synthetic,) = store.list_roles(["team-a"])
    assert synthetic.synthetic and synthetic.name == f"__user_{alice.id}__"
    with pytest.raises(InvalidParameterValue):
        store.update_role(synthetic.id, "mine-now", None)


def test_delete_role_cascades(store: AuthStore, alice: User) -> None:
    role = store.create_role("team-a", "readers", None)
    store.add_role_permission(role.id, "experiment", "*", "READ")
    store.assign_role(alice.id, role.id)
    store.delete_role(role.id)
    assert store.get_role(role.id) is None
    assert store.roles_of_user(alice.id) == []
    assert store.grants_of_user(alice.id) == []
    with pytest.raises(ResourceDoesNotExist):
        store.delete_role(role.id)


def test_delete_workspace_roles(store: AuthStore, alice: User) -> None:
    gone = store.create_role("team-a", "admin", None)
    store.add_role_permission(gone.id, "workspace", "*", "MANAGE")
    store.assign_role(alice.id, gone.id)
    store.grant(alice.id, "team-a", "experiment", "1", "MANAGE")
    kept = store.create_role("team-b", "admin", None)
    store.delete_workspace_roles("team-a")
    assert store.list_roles() == [kept]
    assert store.grants_of_user(alice.id) == []
    store.delete_workspace_roles("never-existed")
    assert store.list_roles() == [kept]


# --- role permissions -----------------------------------------------------------------------


def test_role_permissions(store: AuthStore) -> None:
    role = store.create_role("team-a", "member", None)
    use = store.add_role_permission(role.id, "workspace", "*", "USE")
    deny = store.add_role_permission(role.id, "experiment", "7", "DENY")
    assert (use.role_id, use.resource_type, use.resource_pattern, use.permission) == (
        role.id,
        "workspace",
        "*",
        "USE",
    )
    fetched = store.get_role(role.id)
    assert fetched is not None and fetched.permissions == (use, deny)
    with pytest.raises(ResourceAlreadyExists):
        store.add_role_permission(role.id, "workspace", "*", "MANAGE")
    updated = store.update_role_permission(use.id, "MANAGE")
    assert updated.permission == "MANAGE" and updated.id == use.id
    store.remove_role_permission(deny.id)
    fetched = store.get_role(role.id)
    assert fetched is not None and fetched.permissions == (updated,)


def test_role_permission_mistakes(store: AuthStore) -> None:
    role = store.create_role("team-a", "member", None)
    use = store.add_role_permission(role.id, "workspace", "*", "USE")
    with pytest.raises(InvalidParameterValue):
        store.add_role_permission(role.id, "workspace", "*", "READ")
    with pytest.raises(InvalidParameterValue):
        store.add_role_permission(role.id, "run", "r1", "READ")
    with pytest.raises(InvalidParameterValue):
        store.add_role_permission(role.id, "experiment", "1", "NO_PERMISSIONS")
    with pytest.raises(InvalidParameterValue):
        store.update_role_permission(use.id, "EDIT")  # workspace grants are USE or MANAGE
    with pytest.raises(ResourceDoesNotExist):
        store.add_role_permission(role.id + 1000, "experiment", "*", "READ")
    with pytest.raises(ResourceDoesNotExist):
        store.update_role_permission(use.id + 1000, "USE")
    with pytest.raises(ResourceDoesNotExist):
        store.remove_role_permission(use.id + 1000)
    fetched = store.get_role(role.id)
    assert fetched is not None and fetched.permissions == (use,)


# --- assignments ----------------------------------------------------------------------------


def test_assignments(store: AuthStore, alice: User, bob: User) -> None:
    a = store.create_role("team-a", "member", None)
    b = store.create_role("team-b", "member", None)
    first = store.assign_role(alice.id, a.id)
    assert first[1:] == (alice.id, a.id)
    second = store.assign_role(bob.id, a.id)
    store.assign_role(alice.id, b.id)
    assert store.users_of_role(a.id) == [first, second]
    assert [r.id for r in store.roles_of_user(alice.id)] == [a.id, b.id]
    with pytest.raises(ResourceAlreadyExists) as caught:
        store.assign_role(alice.id, a.id)
    assert caught.value.message == (
        f"User role assignment (user_id={alice.id}, role_id={a.id}) already exists"
    )
    store.unassign_role(alice.id, a.id)
    assert store.users_of_role(a.id) == [second]
    with pytest.raises(ResourceDoesNotExist):
        store.unassign_role(alice.id, a.id)


def test_assignment_mistakes(store: AuthStore, alice: User, bob: User) -> None:
    role = store.create_role("team-a", "member", None)
    with pytest.raises(ResourceDoesNotExist):
        store.assign_role(alice.id + 1000, role.id)
    with pytest.raises(ResourceDoesNotExist):
        store.assign_role(alice.id, role.id + 1000)
    with pytest.raises(ResourceDoesNotExist):
        store.users_of_role(role.id + 1000)
    store.grant(alice.id, "team-a", "experiment", "1", "MANAGE")
    synthetic = next(r for r in store.list_roles(["team-a"]) if r.synthetic)
    with pytest.raises(InvalidParameterValue):
        store.assign_role(bob.id, synthetic.id)  # would hand over alice's grants
    assert store.grants_of_user(bob.id) == []


# --- per-user grants ------------------------------------------------------------------------


def test_grant_upserts_on_a_synthetic_role(store: AuthStore, alice: User) -> None:
    store.grant(alice.id, "team-a", "experiment", "1", "READ")
    store.grant(alice.id, "team-a", "experiment", "1", "MANAGE")
    store.grant(alice.id, "team-a", "registered_model", "m", "EDIT")
    (role,) = store.roles_of_user(alice.id)
    assert (role.name, role.workspace, role.synthetic) == (f"__user_{alice.id}__", "team-a", True)
    assert [(p.resource_pattern, p.permission) for p in role.permissions] == [
        ("1", "MANAGE"),
        ("m", "EDIT"),
    ]
    assert store.grants_of_user(alice.id) == [
        Grant("team-a", "experiment", "1", "MANAGE", True),
        Grant("team-a", "registered_model", "m", "EDIT", True),
    ]


def test_grant_mistakes(store: AuthStore, alice: User) -> None:
    with pytest.raises(ResourceDoesNotExist):
        store.grant(alice.id + 1000, "team-a", "experiment", "1", "READ")
    with pytest.raises(InvalidParameterValue):
        store.grant(alice.id, "team-a", "experiment", "1", "NO_PERMISSIONS")
    with pytest.raises(InvalidParameterValue):
        store.grant(alice.id, "team-a", "trace", "t-1", "READ")
    with pytest.raises(InvalidParameterValue):
        store.grant(alice.id, "", "experiment", "1", "READ")
    assert store.list_roles() == []


def test_grants_of_user_through_all_roles(store: AuthStore, alice: User) -> None:
    member = store.create_role("team-a", "member", None)
    store.add_role_permission(member.id, "workspace", "*", "USE")
    store.assign_role(alice.id, member.id)
    store.grant(alice.id, "team-a", "experiment", "4", "DENY")
    store.grant(alice.id, "team-b", "prompt", "p", "READ")
    assert store.grants_of_user(alice.id, "team-a") == [
        Grant("team-a", "workspace", "*", "USE", False),
        Grant("team-a", "experiment", "4", "DENY", True),
    ]
    assert store.grants_of_user(alice.id, "team-b") == [
        Grant("team-b", "prompt", "p", "READ", True)
    ]
    assert len(store.grants_of_user(alice.id)) == 3
    assert store.grants_of_user(alice.id, "team-z") == []


def test_revoke(store: AuthStore, alice: User, bob: User) -> None:
    store.grant(alice.id, "team-a", "experiment", "1", "MANAGE")
    store.grant(bob.id, "team-a", "experiment", "1", "MANAGE")
    assert store.revoke(alice.id, "team-b", "experiment", "1") is False
    assert store.revoke(alice.id, "team-a", "experiment", "2") is False
    assert store.revoke(alice.id, "team-a", "experiment", "1") is True
    assert store.revoke(alice.id, "team-a", "experiment", "1") is False
    assert store.grants_of_user(alice.id) == []
    assert store.grants_of_user(bob.id) == [Grant("team-a", "experiment", "1", "MANAGE", True)]


def test_workspaces_with_assignment(store: AuthStore, alice: User) -> None:
    store.assign_role(alice.id, store.create_role("team-a", "empty", None).id)
    store.grant(alice.id, "team-b", "experiment", "1", "READ")
    store.grant(alice.id, "team-c", "workspace", "*", "USE")
    assert store.workspaces_with_assignment(alice.id) == {"team-a"}
    assert store.workspaces_with_assignment(alice.id + 1000) == set()


def test_rekey_and_drop_touch_only_synthetic_roles_of_the_workspace(
    store: AuthStore, alice: User, bob: User
) -> None:
    curated = store.create_role("team-a", "model-owners", None)
    store.add_role_permission(curated.id, "registered_model", "old", "EDIT")
    store.assign_role(bob.id, curated.id)
    store.grant(alice.id, "team-a", "registered_model", "old", "MANAGE")
    store.grant(alice.id, "team-a", "registered_model", "new", "READ")  # stale, replaced
    store.grant(bob.id, "team-a", "registered_model", "old", "READ")
    store.grant(alice.id, "team-b", "registered_model", "old", "MANAGE")

    store.rekey_grants("team-a", "registered_model", "old", "new")

    def patterns(user: User, workspace: str) -> list[tuple[str, str, bool]]:
        return sorted(
            (g.resource_pattern, g.permission, g.synthetic)
            for g in store.grants_of_user(user.id, workspace)
        )

    assert patterns(alice, "team-a") == [("new", "MANAGE", True)]
    assert patterns(bob, "team-a") == [("new", "READ", True), ("old", "EDIT", False)]
    assert patterns(alice, "team-b") == [("old", "MANAGE", True)]

    store.drop_grants("team-a", "registered_model", "new")
    assert patterns(alice, "team-a") == []
    assert patterns(bob, "team-a") == [("old", "EDIT", False)]
    assert patterns(alice, "team-b") == [("old", "MANAGE", True)]
    store.rekey_grants("team-z", "registered_model", "a", "b")  # nothing there: no error


def test_concurrent_grants_share_one_synthetic_role(store: AuthStore, alice: User) -> None:
    def grant(index: int) -> None:
        store.grant(alice.id, "team-a", "experiment", str(index), "MANAGE")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(grant, range(16)))
    (role,) = store.roles_of_user(alice.id)
    assert len(role.permissions) == 16
    assert len(store.users_of_role(role.id)) == 1


# --- access tokens --------------------------------------------------------------------------


def test_tokens_round_trip(store: AuthStore, alice: User, bob: User) -> None:
    plaintext, digest = new_token()
    token = store.create_token(alice.id, digest, "ci", 1000, 2000, ["team-a", "team-b"], True)
    assert (token.user_id, token.comment, token.created_at, token.expires_at) == (
        alice.id,
        "ci",
        1000,
        2000,
    )
    assert (token.workspaces, token.read_only, token.last_used_at) == (
        ("team-a", "team-b"),
        True,
        None,
    )
    assert store.find_token(digest) == (token, alice)
    assert store.find_token(new_token()[1]) is None
    with store.database.read() as conn:
        stored = conn.execute(sa.text("SELECT digest FROM access_tokens")).scalars().all()
    assert stored == [digest] and plaintext not in stored

    other = store.create_token(bob.id, new_token()[1], None, 1001, None, None, False)
    assert other.workspaces is None and other.expires_at is None
    assert store.list_tokens() == [token, other]
    assert store.list_tokens(bob.id) == [other]

    store.touch_token(token.id, 1500)
    found = store.find_token(digest)
    assert found is not None and found[0].last_used_at == 1500
    assert store.delete_token(token.id) is True
    assert store.delete_token(token.id) is False
    assert store.find_token(digest) is None
    store.touch_token(token.id, 1600)  # a vanished token is ignored


def test_token_mistakes(store: AuthStore, alice: User) -> None:
    plaintext, digest = new_token()
    store.create_token(alice.id, digest, None, 1, None, [], False)
    assert store.list_tokens(alice.id)[0].workspaces == ()
    with pytest.raises(ResourceAlreadyExists):
        store.create_token(alice.id, digest, None, 1, None, None, False)
    with pytest.raises(InvalidParameterValue):
        store.create_token(alice.id, plaintext, None, 1, None, None, False)  # never plaintext
    with pytest.raises(ResourceDoesNotExist):
        store.create_token(alice.id + 1000, new_token()[1], None, 1, None, None, False)
    assert len(store.list_tokens()) == 1
