"""The emulator behaves as the Web API v3 documentation says, and its responses match recorded ones."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pyzotero import zotero as pz
from pyzotero import zotero_errors as ze

from tests.conftest import FIXTURES
from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

ZFIX = FIXTURES / "zotero"


def _zot(server: ZoteroServer, key: str, kind: str = "user", lib: int = USER_ID) -> pz.Zotero:
    z = pz.Zotero(lib, kind, key)
    z.endpoint = server.url
    return z


def _get(server: ZoteroServer, path: str, key: str | None, **headers: str) -> httpx.Response:
    h = {"Zotero-API-Version": "3", **headers}
    if key:
        h["Zotero-API-Key"] = key
    return httpx.get(server.url + path, headers=h)


def _post(server: ZoteroServer, path: str, key: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(server.url + path, headers={"Zotero-API-Key": key, **headers}, content=json.dumps(body))


def _article(title: str = "T", **fields: Any) -> dict[str, Any]:
    return {"itemType": "journalArticle", "title": title, "creators": [{"creatorType": "author", "firstName": "A", "lastName": "B"}],
            "tags": [], "collections": [], "relations": {}, **fields}


def test_keys_current_by_header_and_bearer_matches_recorded_shape(zserver: ZoteroServer, api_key: str) -> None:
    recorded = json.loads((ZFIX / "zotero-api-client" / "keys-current-response.json").read_text())
    a = _get(zserver, "/keys/current", api_key).json()
    b = httpx.get(zserver.url + "/keys/current", headers={"Authorization": f"Bearer {api_key}"}).json()
    assert a == b
    assert set(a) == set(recorded)
    assert set(a["access"]["user"]) == set(recorded["access"]["user"])
    assert a["userID"] == USER_ID
    assert _get(zserver, f"/keys/{api_key}", None).json()["userID"] == USER_ID
    assert _get(zserver, "/keys/current", "wrongkey").status_code == 403
    assert _get(zserver, f"/users/{USER_ID}/items", None).status_code == 403


def test_pyzotero_create_read_versions_and_item_shape(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    # schema 41: journalArticle has publisher and place
    result = z.create_items([_article("One", publisher="Pub", place="Here")])
    assert result["failed"] == {} and len(result["success"]) == 1
    recorded = json.loads((ZFIX / "web-library" / "test-user-add-new-item.json").read_text())
    assert set(result) == set(recorded)
    assert set(result["successful"]["0"]) == set(recorded["successful"]["0"])
    item = z.items()[0]
    recorded_item = json.loads((ZFIX / "pyzotero" / "item_doc.json").read_text())
    assert set(item) == set(recorded_item)
    assert item["data"]["publisher"] == "Pub"
    assert z.request.headers["Last-Modified-Version"] == "1"
    assert z.request.headers["Total-Results"] == "1"
    assert z.item_versions() == {item["key"]: 1}
    keys = _get(zserver, f"/users/{USER_ID}/items?format=keys", api_key).text.split()
    assert keys == [item["key"]]


def test_invalid_fields_fail_per_object_with_zotero_messages(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    result = z.create_items([_article("ok"), {"itemType": "book", "title": "B", "publicationTitle": "J"},
                             {"itemType": "nonsense"}, _article("bad creator", creators=[{"creatorType": "director", "name": "X"}])])
    assert list(result["success"]) == ["0"]
    assert result["failed"]["1"]["message"] == "'publicationTitle' is not a valid field for type 'book'"
    assert result["failed"]["1"]["code"] == 400
    assert "itemType" in result["failed"]["2"]["message"]
    assert "'director' is not a valid creator type" in result["failed"]["3"]["message"]


def test_paging_limit_start_total_results_and_link(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    for chunk in range(3):
        z.create_items([_article(f"{chunk}-{i}") for i in range(50)])
    r = _get(zserver, f"/users/{USER_ID}/items?limit=30", api_key)
    assert r.headers["Total-Results"] == "150" and len(r.json()) == 30
    assert 'rel="next"' in r.headers["Link"] and "start=30" in r.headers["Link"] and 'rel="last"' in r.headers["Link"]
    assert len(_get(zserver, f"/users/{USER_ID}/items?limit=500", api_key).json()) == 100  # capped at 100
    assert len(_get(zserver, f"/users/{USER_ID}/items", api_key).json()) == 25  # default limit
    assert len(z.everything(z.items(limit=100))) == 150
    assert len(_get(zserver, f"/users/{USER_ID}/items?format=versions", api_key).json()) == 150  # no limit
    keys = list(z.item_versions())
    assert _get(zserver, f"/users/{USER_ID}/items?itemKey={','.join(keys[:51])}", api_key).status_code == 400
    assert len(_get(zserver, f"/users/{USER_ID}/items?itemKey={','.join(keys[:50])}&limit=100", api_key).json()) == 50


def test_since_304_412_428_413_and_write_tokens(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    z.create_items([_article("a")])
    z.create_items([_article("b")])
    assert len(z.item_versions(since=1)) == 1
    assert _get(zserver, f"/users/{USER_ID}/items", api_key, **{"If-Modified-Since-Version": "2"}).status_code == 304
    assert _get(zserver, f"/users/{USER_ID}/items", api_key, **{"If-Modified-Since-Version": "1"}).status_code == 200
    # stale library version
    with pytest.raises(ze.PreConditionFailedError):
        z.create_items([_article("c")], last_modified=1)
    r = _post(zserver, f"/users/{USER_ID}/items", api_key, [_article("c")], **{"If-Unmodified-Since-Version": "1"})
    assert r.status_code == 412
    # stale object version -> per-object 412; no version and no header for an existing object -> 428
    key = next(iter(z.item_versions()))
    r = _post(zserver, f"/users/{USER_ID}/items", api_key, [{"key": key, "version": 1, "title": "x"}]).json()
    assert r["failed"]["0"]["code"] in (412,) or r["success"]
    r = _post(zserver, f"/users/{USER_ID}/items", api_key, [{"key": key, "title": "x"}]).json()
    assert r["failed"]["0"]["code"] == 428
    # too many objects
    assert _post(zserver, f"/users/{USER_ID}/items", api_key, [_article(str(i)) for i in range(51)]).status_code == 413
    # a write token is accepted once
    token = "a" * 32
    assert _post(zserver, f"/users/{USER_ID}/items", api_key, [_article("t")], **{"Zotero-Write-Token": token}).status_code == 200
    assert _post(zserver, f"/users/{USER_ID}/items", api_key, [_article("t")], **{"Zotero-Write-Token": token}).status_code == 412
    # DELETE needs a version
    assert httpx.delete(f"{zserver.url}/users/{USER_ID}/items?itemKey={key}", headers={"Zotero-API-Key": api_key}).status_code == 428


def test_single_object_put_patch_delete_and_deleted_log(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    z.create_items([_article("a", volume="1")])
    item = z.items()[0]
    assert _get(zserver, f"/users/{USER_ID}/items/{item['key']}", api_key, **{"If-Modified-Since-Version": "1"}).status_code == 304
    data = item["data"]
    data["title"] = "patched"
    assert z.update_item(data)
    after = z.item(item["key"])
    assert after["data"]["title"] == "patched" and after["data"]["volume"] == "1"
    with pytest.raises(ze.PreConditionFailedError):
        z.update_item({**data, "version": 1})
    assert z.delete_item(after["data"])
    assert z.deleted(since=0)["items"] == [item["key"]]
    assert z.deleted(since=3)["items"] == []


def test_read_only_key_is_refused_writes(zserver: ZoteroServer) -> None:
    key = zserver.add_key(USER_ID, "Z User", write=False)
    z = _zot(zserver, key)
    assert z.key_info()["access"]["user"]["write"] is False
    with pytest.raises(ze.UserNotAuthorisedError):
        z.create_items([_article("x")])
    assert z.items() == []


def test_group_library_and_notes_as_children(zserver: ZoteroServer, api_key: str) -> None:
    zserver.add_group(51240, "testgroup")
    g = _zot(zserver, api_key, "group", 51240)
    parent = _article("parent")
    parent["key"] = "ABCD2345"
    note = {"itemType": "note", "note": "<p>hi</p>", "parentItem": "ABCD2345", "tags": [], "collections": [], "relations": {}}
    orphan = {"itemType": "note", "note": "x", "parentItem": "ZZZZ2345"}
    result = g.create_items([parent, note, orphan])
    assert set(result["success"]) == {"0", "1"}
    assert result["failed"]["2"]["code"] == 409
    assert len(g.children("ABCD2345")) == 1
    groups = _zot(zserver, api_key).groups()
    recorded = json.loads((ZFIX / "zotero-api-client" / "user-groups-response.json").read_text())
    assert set(groups[0]) == set(recorded[0]) and set(groups[0]["data"]) == set(recorded[0]["data"])


def test_schema_endpoints_pyzotero_calls(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    types = {t["itemType"] for t in z.item_types()}
    assert {"journalArticle", "book", "preprint"} <= types
    assert {"field": "publisher", "localized": "Publisher"} in z.item_type_fields("journalArticle")
    assert {"creatorType": "reviewedAuthor", "localized": "Reviewed Author"} in z.item_creator_types("journalArticle")
    assert [f["field"] for f in z.creator_fields()] == ["firstName", "lastName", "name"]
    assert any(f["field"] == "DOI" for f in z.item_fields())
    template = z.item_template("journalArticle")
    recorded = json.loads((ZFIX / "web-library" / "new-item-journal-article.json").read_text())
    assert set(recorded) <= set(template)


def test_faults_429_503_500_backoff_and_drops(zserver: ZoteroServer, api_key: str) -> None:
    url = f"{zserver.url}/users/{USER_ID}/items"
    h = {"Zotero-API-Key": api_key}
    zserver.inject("429", retry_after=7)
    r = httpx.get(url, headers=h)
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    zserver.inject("503")
    assert httpx.get(url, headers=h).status_code == 503
    zserver.inject("500")
    assert httpx.get(url, headers=h).status_code == 500
    zserver.inject("backoff", retry_after=3)
    r = httpx.get(url, headers=h)
    assert r.status_code == 200 and r.headers["Backoff"] == "3"
    zserver.inject("drop")
    with pytest.raises(httpx.TransportError):
        httpx.get(url, headers=h)
    zserver.inject("drop_after", method="POST")
    with pytest.raises(httpx.TransportError):
        httpx.post(url, headers=h, content=json.dumps([_article("kept")]))
    assert len(httpx.get(url, headers=h).json()) == 1  # processed although the answer was lost


def test_collection_and_versions_shapes_match_recorded(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    result = z.create_collections([{"name": "LoC"}])
    assert result["failed"] == {}
    cols = z.collections()
    recorded = json.loads((ZFIX / "pyzotero" / "collection_doc.json").read_text())
    assert set(cols[0]) == set(recorded)
    assert set(cols[0]["data"]) == set(recorded["data"])
    assert set(cols[0]["meta"]) == set(recorded["meta"])
    assert cols[0]["data"]["parentCollection"] is False
    z.create_items([_article("x", collections=[cols[0]["key"]])])
    versions = z.item_versions()
    recorded_versions = json.loads((ZFIX / "pyzotero" / "item_versions.json").read_text())
    assert all(isinstance(k, str) and isinstance(v, int) for k, v in {**versions, **recorded_versions}.items())
    assert z.collection_versions() == {cols[0]["key"]: 1}
    assert z.collections()[0]["meta"]["numItems"] == 1
    # deleting a collection removes it from its items (a new item version) and logs the deletion
    z.delete_collection(z.collections()[0]["data"])
    assert z.deleted(since=0)["collections"] == [cols[0]["key"]]
    assert z.items()[0]["data"]["collections"] == []


def test_bad_parameters_are_400_and_deleted_supports_304(zserver: ZoteroServer, api_key: str) -> None:
    for query in ("limit=abc", "start=-1", "since=x"):
        assert _get(zserver, f"/users/{USER_ID}/items?{query}", api_key).status_code == 400
    assert _get(zserver, f"/users/{USER_ID}/items?limit=0", api_key).status_code == 400
    assert _get(zserver, f"/users/{USER_ID}/deleted?since=0", api_key, **{"If-Modified-Since-Version": "0"}).status_code == 304
    assert _get(zserver, f"/users/{USER_ID}/deleted", api_key).status_code == 400


def test_attachment_templates_and_link_modes(zserver: ZoteroServer, api_key: str) -> None:
    z = _zot(zserver, api_key)
    template = z.item_template("attachment", "linked_url")
    assert template["linkMode"] == "linked_url" and template["itemType"] == "attachment"
    assert _get(zserver, "/items/new?itemType=attachment", api_key).status_code == 400
    result = z.create_items([{**template, "title": "Link", "url": "https://example.org"},
                             {"itemType": "attachment", "linkMode": "teleported", "title": "x"}])
    assert list(result["success"]) == ["0"] and "linkMode" in result["failed"]["1"]["message"]


def test_a_versioned_write_to_an_object_deleted_in_zotero_is_refused_per_object(zserver: ZoteroServer, api_key: str) -> None:
    """As the dataserver's own API tests say (testPatchMissingObjectsWithVersion): a missing object sent with a
    version > 0 fails alone with 404, "use 0 instead", whether or not it was ever there; version 0 re-creates it."""
    z = _zot(zserver, api_key)
    z.create_items([_article("gone")])
    item = z.items()[0]
    assert z.delete_item(item["data"])
    body = [{**item["data"], "version": item["version"]}]
    answer = _post(zserver, f"/users/{USER_ID}/items", api_key, body).json()
    assert answer["failed"]["0"]["code"] == 404 and "use 0 instead" in answer["failed"]["0"]["message"]
    assert z.deleted(since=0)["items"] == [item["key"]] and z.items() == []
    again = _post(zserver, f"/users/{USER_ID}/items", api_key, [{**item["data"], "version": 0}]).json()
    assert again["success"] == {"0": item["key"]}
