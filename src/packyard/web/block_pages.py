"""The console's enforced blocks: each block's versions and the buckets each is linked to;
link and unlink buckets."""

from __future__ import annotations

from starlette.responses import Response

from packyard.domain.identity import Role
from packyard.services import enforced_blocks
from packyard.web.actions import go_back
from packyard.web.dispatch import Form
from packyard.web.pages import P
from packyard.web.render import render
from packyard.wire.routing import Call, Route

BLOCK_VERSION = P + "/enforced-blocks/{block_id}/versions/{version_id}"


def block_list(call: Call) -> Response:
    found = enforced_blocks.list_blocks(call.repo, call.scope)
    linked = {
        version.id: [
            bucket.name
            for _, bucket in enforced_blocks.linked_buckets(
                call.repo, call.scope, block_id=block.id, version_id=version.id
            )
        ]
        for block in found
        for version in block.versions
    }
    return render(call, "blocks.html", blocks=found, linked=linked, title="Enforced blocks")


def link(call: Call) -> Response:
    """Link the block's version to exactly the buckets named (one a line; none unlinks)."""
    form: Form = call.body
    names = [line.strip() for line in form.fields.get("buckets", [""])[-1].splitlines()]
    enforced_blocks.link_buckets(
        call.repo,
        call.scope,
        block_id=call.param("block_id"),
        version_id=call.param("version_id"),
        bucket_names=sorted({name for name in names if name}),
        now=call.now,
    )
    return go_back(call, "/enforced-blocks", "Saved the linked buckets.")


BLOCK_PAGES = [
    Route("GET", P + "/enforced-blocks", block_list, Role.VIEWER, "console.EnforcedBlocks"),
    Route("POST", BLOCK_VERSION + "/buckets", link, Role.CONTRIBUTOR, "console.LinkEnforcedBlock"),
]
