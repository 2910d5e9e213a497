"""The console's pages that read: parse the query, call one read use case, render."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import RedirectResponse, Response

from packyard.domain.identity import Role
from packyard.domain.paging import SortedAsk
from packyard.domain.reads import AncestryQuery, Relation
from packyard.domain.registry import Channel, Version
from packyard.errors import InvalidArgument, NotFound
from packyard.services import (
    buckets,
    channels,
    overview,
    reads,
    revocation,
    sboms,
    versions,
    vulnerabilities,
)
from packyard.services.sboms import PackageFilter
from packyard.web.render import project_base, render
from packyard.wire.routing import Call, Route

P = "/organizations/{organization_id}/projects/{project_id}"
B = P + "/buckets/{bucket_name}"
VERSION = B + "/versions/{ref}"
CHANNEL = B + "/channels/{channel_name}"


def version_name(version: Version) -> str:
    return f"v{version.sequence}" if version.sequence else "v0 (incomplete)"


def confirm_word(version: Version) -> str:
    """What a person types to confirm a destructive action on a version."""
    return f"v{version.sequence}" if version.sequence else version.fingerprint


def _int(text: str | None, what: str, default: int) -> int:
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument(f"{what} must be a whole number") from None


def home(call: Call) -> Response:
    found = overview.project_overview(call.repo, call.actor, call.scope, call.now)
    return render(call, "home.html", overview=found, title="Home")


def search(call: Call) -> Response:
    text = call.request.query_params.get("q", "")
    found = overview.search_project(call.repo, call.scope, text)
    if len(found.buckets) == 1 and found.buckets[0].name == text.strip() and not found.versions:
        return RedirectResponse(project_base(call) + f"/buckets/{found.buckets[0].name}", 303)
    return render(call, "search.html", found=found, q=text, title=f"Search: {text}")


def bucket_list(call: Call) -> Response:
    query = call.request.query_params
    wanted = overview.BucketFilter(
        name=query.get("name", "").strip(),
        label=query.get("label", "").strip(),
        platform=query.get("platform", "").strip(),
        sort=query.get("sort") or "name",
        page=_int(query.get("page"), "page", 1),
    )
    found = overview.filter_buckets(call.repo, call.scope, wanted)
    return render(
        call, "buckets.html", found=found, wanted=wanted, sorts=overview.SORTS, title="Buckets"
    )


def snippet_values(call: Call, names: list[str], platforms: list[str]) -> dict[str, str]:
    query = call.request.query_params
    return {
        "channel": query.get("channel") or (names[0] if names else "latest"),
        "platform": query.get("platform") or (platforms[0] if platforms else "aws"),
        "region": query.get("region") or "us-east-1",
    }


def bucket_detail(call: Call) -> Response:
    name = call.param("bucket_name")
    bucket = reads.show_bucket(call.work, call.actor, call.scope, name=name, now=call.now).bucket
    found = _channels(call, name)
    relations = reads.bucket_relations(
        call.work, call.actor, call.scope, bucket_name=name, query=AncestryQuery(), now=call.now
    ).relations
    parents = [item for item in relations if item.child.bucket_id == bucket.id]
    children = [item for item in relations if item.child.bucket_id != bucket.id]
    snippet = snippet_values(call, [c.name for c in found], bucket.platforms)
    return render(
        call,
        "bucket.html",
        bucket=bucket,
        channels=found,
        parents=parents,
        children=children,
        snippet=snippet,
        labels_text="\n".join(f"{k}={v}" for k, v in sorted(bucket.labels.items())),
        title=f"Bucket {name}",
    )


PAGE_SIZE = 25


def version_list(call: Call) -> Response:
    name = call.param("bucket_name")
    page = _int(call.request.query_params.get("page"), "page", 1)
    if page < 1:
        raise InvalidArgument("page starts at 1")
    newest_first = SortedAsk((("id", True),), (page - 1) * PAGE_SIZE, PAGE_SIZE)
    found = reads.list_versions(
        call.work,
        call.actor,
        call.scope,
        newest_first,
        bucket_name=name,
        now=call.now,
        summary=True,
    )
    bucket = buckets.get_bucket(call.repo, call.scope, name=name)
    on: dict[str, list[str]] = {}
    for channel in _channels(call, name):
        if channel.version is not None:
            on.setdefault(channel.version.id, []).append(channel.name)
    return render(
        call,
        "versions.html",
        bucket=bucket,
        versions=found.versions,
        channels_on=on,
        page=page,
        pages=max(1, -(-(found.total or 0) // PAGE_SIZE)),
        version_name=version_name,
        title=f"Versions of {name}",
    )


def _channels(call: Call, bucket_name: str) -> list[Channel]:
    """The bucket's channels the caller may read, each with its version (the console shows
    no parents status of theirs)."""
    return reads.list_channels(
        call.work,
        call.actor,
        call.scope,
        bucket_name=bucket_name,
        now=call.now,
        parents_status=False,
    ).channels


def _version(call: Call) -> Version:
    return versions.version_by_ref(
        call.repo, call.scope, bucket_name=call.param("bucket_name"), ref=call.param("ref")
    )


def version_detail(call: Call) -> Response:
    name = call.param("bucket_name")
    read = reads.show_version(
        call.work,
        call.actor,
        call.scope,
        bucket_name=name,
        ref=call.param("ref"),
        now=call.now,
        parents_status=False,
    )
    version = read.version
    found = _channels(call, name)
    parents = reads.bucket_relations(
        call.work,
        call.actor,
        call.scope,
        bucket_name=name,
        query=AncestryQuery(relation=Relation.PARENTS, version_id=version.id),
        now=call.now,
    ).relations
    supply = {
        build.id: (
            sboms.list_sboms(call.repo, call.scope, build_id=build.id),
            sboms.build_packages(call.repo, call.scope, build_id=build.id, only=PackageFilter()),
        )
        for build in version.builds
    }
    return render(
        call,
        "version.html",
        version=version,
        bucket_name=name,
        channels=found,
        on=[c for c in found if c.version is not None and c.version.id == version.id],
        parents=parents,
        supply=supply,
        inherited=read.revoked_ancestor,
        findings=vulnerabilities.version_findings(
            call.repo, [item for _, shipped in supply.values() for item in shipped]
        ),
        version_name=version_name,
        confirm=confirm_word(version),
        title=f"{name} {version_name(version)}",
    )


def sbom_download(call: Call) -> Response:
    version = _version(call)
    build_id = call.param("build_id")
    if not any(build.id == build_id for build in version.builds):
        raise NotFound("no such build in this version")
    sbom, document = sboms.sbom_document(
        call.repo, call.scope, build_id=build_id, name=call.param("sbom_name")
    )
    return Response(
        document,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{quote(sbom.name)}.json"'},
    )


def revoke_dialog(call: Call) -> Response:
    """The revoke form, and once asked, the preview the server computes from it."""
    from packyard.web.actions import revocation_from

    version = _version(call)
    query = call.request.query_params
    plan = None
    if query.get("preview"):
        plan = revocation.preview_revocation(
            call.repo,
            call.actor,
            call.scope,
            version_ids=[version.id],
            revocation=revocation_from(query),
            now=call.now,
        )
    return render(
        call,
        "revoke.html",
        version=version,
        bucket_name=call.param("bucket_name"),
        plan=plan,
        form=query,
        version_name=version_name,
        confirm=confirm_word(version),
        title=f"Revoke {call.param('bucket_name')} {version_name(version)}",
    )


def channel_list(call: Call) -> Response:
    name = call.param("bucket_name")
    found = _channels(call, name)
    complete = versions.list_versions(call.repo, call.scope, bucket_name=name, complete_only=True)
    complete.sort(key=lambda version: version.sequence or 0, reverse=True)
    return render(
        call,
        "channels.html",
        bucket_name=name,
        channels=found,
        versions=[v for v in complete if not v.is_revoked(call.now)][:50],
        version_name=version_name,
        title=f"Channels of {name}",
    )


def channel_detail(call: Call) -> Response:
    name, channel_name = call.param("bucket_name"), call.param("channel_name")
    channel = reads.show_channel(
        call.work,
        call.actor,
        call.scope,
        bucket_name=name,
        name=channel_name,
        now=call.now,
        parents_status=False,
    ).channel
    history = channels.channel_history(
        call.repo, call.actor, call.scope, bucket_name=name, name=channel_name
    )
    complete = versions.list_versions(call.repo, call.scope, bucket_name=name, complete_only=True)
    complete.sort(key=lambda version: version.sequence or 0, reverse=True)
    moves = [
        (entry, history[i + 1] if i + 1 < len(history) else None) for i, entry in enumerate(history)
    ]
    return render(
        call,
        "channel.html",
        bucket_name=name,
        channel=channel,
        moves=moves,
        versions=[v for v in complete if not v.is_revoked(call.now)][:50],
        version_name=version_name,
        title=f"Channel {channel_name} of {name}",
    )


V = Role.VIEWER
PAGES = [
    Route("GET", P, home, V, "console.Home"),
    Route("GET", P + "/search", search, V, "console.Search"),
    Route("GET", P + "/buckets", bucket_list, V, "console.Buckets"),
    Route("GET", B, bucket_detail, V, "console.Bucket"),
    Route("GET", B + "/versions", version_list, V, "console.Versions"),
    Route("GET", VERSION, version_detail, V, "console.Version"),
    Route(
        "GET",
        VERSION + "/builds/{build_id}/sboms/{sbom_name}",
        sbom_download,
        V,
        "console.DownloadSbom",
    ),
    Route("GET", VERSION + "/revoke", revoke_dialog, Role.CONTRIBUTOR, "console.RevokeDialog"),
    Route("GET", B + "/channels", channel_list, V, "console.Channels"),
    Route("GET", CHANNEL, channel_detail, V, "console.Channel"),
]
