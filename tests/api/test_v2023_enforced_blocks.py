"""Enforced blocks: create, version, link to buckets, and what Packer reads per bucket."""

from __future__ import annotations

from tests.api.conftest import error

BLOCK = 'provisioner "shell-local" {\n  inline = ["echo enforced"]\n}\n'


def test_lifecycle(admin, viewer, name):
    base = admin.v2 + "/enforced_blocks"
    for bucket in (f"{name}-a", f"{name}-b"):
        admin.put(admin.v2 + "/buckets", json={"name": bucket})
    assert admin.get(admin.v2 + f"/enforced_blocks/bucket/{name}-a").json() == {
        "enforced_block_detail": []
    }
    created = admin.put(
        base,
        json={
            "name": name,
            "template_type": "HCL2",
            "block_content": BLOCK,
            "version": "1.0",
            "labels": {"team": "sec"},
            "additional_description": "first",
        },
    )
    assert created.status_code == 200, created.text
    block = created.json()["enforced_block"]
    assert block["latest_version"]["version"] == "1.0"
    assert block["resource_name"].endswith(f"/enforced-block/{name}")
    error(
        admin.put(base, json={"name": name, "template_type": "HCL2", "block_content": BLOCK}),
        409,
        6,
    )
    error(
        admin.put(
            base,
            json={
                "name": f"{name}-x",
                "template_type": "TEMPLATE_TYPE_UNSET",
                "block_content": BLOCK,
            },
        ),
        400,
        3,
    )
    error(admin.put(base, json={"name": f"{name}-y", "template_type": "HCL2"}), 400, 3)

    path = base + f"/{block['id']}"
    assert viewer.get(path).json()["enforced_block"]["name"] == name
    assert name in {b["name"] for b in viewer.get(base).json()["enforced_blocks"]}
    renamed = admin.patch(path, json={"labels": {"team": "ops"}, "update_mask": "labels"})
    assert renamed.json()["enforced_block"]["labels"] == {"team": "ops"}
    error(admin.patch(path, json={"labels": {}}), 400, 3)

    second = admin.put(
        path + "/versions",
        json={"version": "2.0", "template_type": "HCL2", "block_content": BLOCK + "# v2\n"},
    )
    assert second.status_code == 200, second.text
    v2 = second.json()["enforced_block_version"]
    error(
        admin.put(
            path + "/versions",
            json={"version": "2.0", "template_type": "HCL2", "block_content": BLOCK},
        ),
        409,
        6,
    )
    details = viewer.get(path + "/versions").json()["enforced_block_detail"]
    assert [d["version"]["version"] for d in details] == ["1.0", "2.0"]
    described = admin.patch(
        path + f"/versions/{v2['id']}",
        json={"additional_description": "second", "update_mask": "additionalDescription"},
    )
    assert described.json()["enforced_block_version"]["additional_description"] == "second"

    linked = admin.post(
        path + f"/versions/{v2['id']}/buckets", json={"bucket_names": [f"{name}-a", f"{name}-b"]}
    )
    assert len(linked.json()["enforced_block_buckets"]) == 2
    error(
        admin.post(
            path + f"/versions/{v2['id']}/buckets", json={"bucket_names": ["no-such-bucket"]}
        ),
        404,
        5,
    )
    buckets = viewer.get(path + f"/versions/{v2['id']}/buckets").json()["linked_buckets"]
    assert sorted(b["bucket"]["name"] for b in buckets) == [f"{name}-a", f"{name}-b"]
    injected = viewer.get(admin.v2 + f"/enforced_blocks/bucket/{name}-a").json()
    assert injected["enforced_block_detail"][0]["version"]["block_content"].endswith("# v2\n")
    assert injected["enforced_block_detail"][0]["name"] == name

    relinked = admin.post(
        path + f"/versions/{v2['id']}/buckets", json={"bucket_names": [f"{name}-b"]}
    )
    assert len(relinked.json()["enforced_block_buckets"]) == 1
    assert viewer.get(admin.v2 + f"/enforced_blocks/bucket/{name}-a").json() == {
        "enforced_block_detail": []
    }

    error(viewer.delete(path), 403, 7)
    assert admin.delete(path + f"/versions/{v2['id']}").json() == {}
    assert viewer.get(admin.v2 + f"/enforced_blocks/bucket/{name}-b").json() == {
        "enforced_block_detail": []
    }
    assert admin.delete(path).json() == {}
    error(admin.get(path), 404, 5)
