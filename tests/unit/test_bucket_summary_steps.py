"""A bucket's summary (version count, latest version, platforms, and its children's status)
costs the same whatever the bucket's history holds: counted in SQLite's virtual-machine
steps (its progress handler), which are deterministic, so this is not a timing test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from packyard.domain.identity import Actor, Role, Scope
from packyard.domain.paging import PageAsk
from packyard.domain.registry import BuildStatus, TemplateType
from packyard.ids import utcnow
from packyard.services import ancestry, buckets, builds, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.store.work import Work
from tests.support.in_process import InProcess, in_process


def _fill(app: InProcess, scope: Scope, name: str, count: int) -> None:
    actor = Actor("p", "admin", Role.ADMIN, scope.organization_id, scope.project_id)
    now = utcnow()
    with app.store.transaction(write=True) as conn:
        repo = Work(conn)
        buckets.create_bucket(repo, actor, scope, name=name, now=now)
        for n in range(count):
            versions.create_version(
                repo,
                actor,
                scope,
                bucket_name=name,
                fingerprint=f"f{n}",
                template_type=TemplateType.HCL2,
                now=now,
            )
            made = [
                builds.create_build(
                    repo,
                    actor,
                    scope,
                    bucket_name=name,
                    fingerprint=f"f{n}",
                    component_type=f"c.{platform}",
                    changes=BuildChanges(platform=platform),
                    now=now,
                )
                for platform in ("aws", "gce")
            ]
            for build in made:  # the last one completes the version
                builds.update_build(
                    repo,
                    actor,
                    scope,
                    build_id=build.id,
                    changes=BuildChanges(
                        status=BuildStatus.DONE, artifacts=[ArtifactInput(f"img-{n}", "r1")]
                    ),
                    now=now,
                )


def _steps(app: InProcess, read: Callable[[Work], object]) -> int:
    with app.store.transaction() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        steps = [0]

        def counted() -> int:
            steps[0] += 1
            return 0

        raw.set_progress_handler(counted, 1)  # type: ignore[attr-defined]
        try:
            read(Work(conn))
        finally:
            raw.set_progress_handler(None, 1)  # type: ignore[attr-defined]
    return steps[0]


def test_a_buckets_summary_reads_no_more_for_a_long_history(tmp_path: Path) -> None:
    with in_process(tmp_path) as app:
        scope = Scope(app.first.organization_id, app.first.project_id)
        actor = Actor("p", "admin", Role.ADMIN, scope.organization_id, scope.project_id)
        _fill(app, scope, "short", 3)
        _fill(app, scope, "long", 600)

        def summary(name: str) -> Callable[[Work], object]:
            def read(repo: Work) -> object:
                found = buckets.get_bucket(repo, scope, name=name)
                assert found.platforms == ["aws", "gce"]
                ancestry.annotate_buckets(repo, actor, [found], utcnow())
                return found

            return read

        short, long = _steps(app, summary("short")), _steps(app, summary("long"))
        assert long <= 1.2 * short, (short, long)

        def page(repo: Work) -> object:
            shown = buckets.bucket_page(repo, scope, PageAsk(size=10)).items
            assert [b.version_count for b in buckets.summarize(repo, shown)] == [3, 600]
            return shown

        # a page of both costs what two short buckets do
        assert _steps(app, page) <= 2.4 * short, (_steps(app, page), short)
