"""What a login's secret is checked against, read by the logins use cases in a unit of work:
a client id's key and a user's password; nothing for a name the store does not know (the
doors then check against a dummy hash, so that timing tells nothing)."""

from __future__ import annotations

from packyard.auth import principals, users
from packyard.auth.principals import new_key
from packyard.domain.identity import Role
from packyard.ids import utcnow
from packyard.services import accounts, logins, tenants
from tests.services.conftest import Registry

PASSWORD = "a long enough password"


def test_a_client_ids_key_is_read_and_an_unknown_id_is_not(registry: Registry):
    with registry.work() as work:
        made = tenants.create_principal(
            work,
            name="builder",
            role=Role.CONTRIBUTOR,
            organization_id=registry.scope.organization_id,
            project_id=registry.scope.project_id,
            key=new_key(),
            now=utcnow(),
        )
    with registry.work(write=False) as work:
        stored = logins.credentials_of(work, made.client_id)
        assert logins.credentials_of(work, "no-such-client") is None
        assert principals.stored_secret(work, client_id="no-such-client").principal_id is None
    assert stored is not None and stored.principal_id and stored.generation >= 1
    assert principals.secret_matches(stored.secret_hash, made.client_secret)
    assert not principals.secret_matches(stored.secret_hash, "not the secret")


def test_a_users_password_is_read_and_none_without_one(registry: Registry):
    with registry.work() as work:
        for name, password_hash in (("ada", users.hash_password(PASSWORD)), ("bob", None)):
            accounts.add_user(
                work,
                name=name,
                role=Role.VIEWER,
                organization_id=registry.scope.organization_id,
                project_id=None,
                now=utcnow(),
                password_hash=password_hash,
            )
    with registry.work(write=False) as work:
        ada = logins.password_of(work, "ada")
        assert logins.password_of(work, "bob") is None  # signs in by a link or SSO only
        assert logins.password_of(work, "nobody") is None
        dummy = users.password_of(work, "nobody")
        assert users.password_of(work, "bob") == dummy and dummy.principal_id is None
    assert ada is not None and ada.principal_id
    assert principals.secret_matches(ada.secret_hash, PASSWORD)
