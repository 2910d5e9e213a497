"""Bucket IAM policies: the roles granted on one bucket, read and replaced whole."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from packyard.domain.iam import BucketName, Grant, Target, etag, grants_from, strongest
from packyard.domain.identity import Actor, Role, Scope, within
from packyard.domain.registry import Bucket
from packyard.errors import Aborted, InvalidArgument, NotFound
from packyard.services.common import find_bucket
from packyard.services.tenants import project_of
from packyard.store.iam import PrincipalRow
from packyard.store.work import Work


@dataclass(frozen=True)
class BucketPolicy:
    grants: list[Grant]
    etag: str


def _policy(grants: Iterable[Grant]) -> BucketPolicy:
    ordered = sorted(grants)
    return BucketPolicy(ordered, etag(ordered))


def _bucket(repo: Work, scope: Scope, resource_name: str) -> Bucket:
    """The bucket a resource name points at, in the caller's organization."""
    if not resource_name:
        raise InvalidArgument("resource_name is required")
    target = BucketName.parse(resource_name)
    if (
        target.project_id != scope.project_id
        or project_of(repo.tenants, scope.organization_id, target.project_id) is None
    ):
        raise NotFound("no such organization or project")
    return find_bucket(repo, scope, target.name)


def get_bucket_policy(repo: Work, scope: Scope, *, resource_name: str) -> BucketPolicy:
    bucket = _bucket(repo, scope, resource_name)
    return _policy(repo.grants.of_bucket(bucket.id))


def set_bucket_policy(
    repo: Work,
    scope: Scope,
    *,
    resource_name: str,
    expected_etag: str,
    bindings: Iterable[tuple[str, Iterable[tuple[str, str]]]],
    now: datetime,
) -> BucketPolicy:
    """Replace the bucket's policy, if it is still the one the caller read (its etag)."""
    bucket = _bucket(repo, scope, resource_name)
    repo.lock_bucket(bucket.id)
    grants = repo.grants
    current = _policy(grants.of_bucket(bucket.id))
    if expected_etag != current.etag:
        raise Aborted(
            f'the policy of "{resource_name}" changed since it was read '
            f'(etag "{expected_etag}", now "{current.etag}"): read it again'
        )
    wanted = grants_from(bindings)
    members = {grant.principal_id for grant in wanted}
    known = {
        row.id
        for row in grants.principals(scope.organization_id, members)
        if within(  # the project lies within the principal's tenancy
            scope.organization_id,
            scope.project_id,
            organization=row.organization_id,
            project=row.project_id,
        )
    }
    for missing in sorted(members - known):
        raise InvalidArgument(f'principal "{missing}" not found in this project')
    grants.replace(bucket.id, wanted, now=now)
    return _policy(wanted)


def role_on_bucket(repo: Work, actor: Actor, scope: Scope, target: Target) -> Role | None:
    """The highest role granted to the actor on the bucket a request names, if any."""
    if not scope.project_id:
        return None
    return strongest(repo.grants.roles_on(actor.principal_id, scope.project_id, target))


def principals(repo: Work, actor: Actor, scope: Scope, ids: list[str]) -> list[PrincipalRow]:
    """Principals by id, as the caller may see them: its organization, and its own project
    unless it is organization-wide. An id it may not see is not found."""
    if not ids:
        raise InvalidArgument("principal_ids is required")
    found = {
        row.id: row
        for row in repo.grants.principals(scope.organization_id, ids)
        if actor.can_see(row.organization_id, row.project_id)
    }
    for missing in ids:
        if missing not in found:
            raise NotFound(f'principal "{missing}" not found')
    return [found[principal_id] for principal_id in dict.fromkeys(ids)]
