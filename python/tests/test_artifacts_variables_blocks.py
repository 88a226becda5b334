"""Artifacts, variables and blocks through Prefect 2.15's stock client, as a Prefect user writes them.

Each test does its work through Prefect's own functions (`create_*_artifact`, `variables.get`,
`Block.save`/`Block.load`), then reads it back through the client and through plain HTTP.
"""

import json
import uuid

import pytest
from prefect.blocks.system import JSON, Secret, String
from prefect.client.schemas.filters import (
    ArtifactCollectionFilter,
    ArtifactCollectionFilterKey,
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.settings import temporary_settings

import flows
from helpers import api, as_admin, with_client


def keyed_artifacts_of_run(flow_run_id):
    """The run's artifacts made by its code. Prefect's server also keeps each state's result reference as
    a key-less artifact of type `result`, which Edgeflow does not (docs/prefect-compat.md)."""
    artifacts = with_client(
        lambda client: client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    )
    return [artifact for artifact in artifacts if artifact.key is not None]


def test_artifacts_from_a_flow_and_its_task_link_to_their_runs_and_each_key_keeps_versions():
    key = f"report-{uuid.uuid4().hex[:8]}"
    first_rows = [{"city": "Oslo", "runs": 3}, {"city": "Lima", "runs": None}]
    first = flows.reporting_flow(key, first_rows, return_state=True)
    assert first.result() == 2
    first_run = first.state_details.flow_run_id

    by_key = {artifact.key: artifact for artifact in keyed_artifacts_of_run(first_run)}
    assert set(by_key) == {f"{key}-summary", f"{key}-link", f"{key}-table"}
    summary, link, table = by_key[f"{key}-summary"], by_key[f"{key}-link"], by_key[f"{key}-table"]
    assert (summary.type, summary.data, summary.description) == ("markdown", f"# Report {key}", "from the flow")
    # Prefect 2.15 writes a link as a markdown artifact, and a table as its rows in JSON text.
    assert (link.type, link.data) == ("markdown", "[the report](https://example.com/report)")
    assert table.type == "table" and json.loads(table.data) == first_rows
    # Made in the flow: linked to the flow run only; made in the task: to the task run too.
    assert summary.flow_run_id == first_run and summary.task_run_id is None
    [task_run] = with_client(
        lambda client: client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[first_run])))
    )
    assert table.flow_run_id == first_run and table.task_run_id == task_run.id

    second_rows = [{"city": "Pune", "runs": 1}]
    second = flows.reporting_flow(key, second_rows, return_state=True)
    assert second.result() == 1
    [second_table] = [a for a in keyed_artifacts_of_run(second.state_details.flow_run_id) if a.type == "table"]

    # Every create under a key is a new version; the latest is the newest create.
    versions = with_client(
        lambda client: client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"{key}-table"]))
        )
    )
    assert {version.id for version in versions} == {table.id, second_table.id}
    [collection] = with_client(
        lambda client: client.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=[f"{key}-table"]))
        )
    )
    assert collection.latest_id == second_table.id
    assert json.loads(collection.data) == second_rows

    # Prefect's server answers this read with its key's collection row (whose `id` is not the artifact's),
    # so the data and the run link are what both servers agree on.
    raw_latest = api("GET", f"/artifacts/{key}-table/latest")
    assert json.loads(raw_latest["data"]) == second_rows
    assert raw_latest["flow_run_id"] == str(second.state_details.flow_run_id)
    raw_versions = api("POST", "/artifacts/filter", {"artifacts": {"key": {"any_": [f"{key}-table"]}}})
    assert {version["id"] for version in raw_versions} == {str(table.id), str(second_table.id)}


def test_variables_get_in_a_flow_reads_a_variable_set_through_the_api_and_defaults_when_missing():
    name = f"region_{uuid.uuid4().hex[:8]}"
    created = api("POST", "/variables/", {"name": name, "value": "eu-west", "tags": ["infra"]})
    assert created["name"] == name and created["value"] == "eu-west"

    assert flows.variable_reading_flow(name) == ("eu-west", "fallback")
    variable = with_client(lambda client: client.read_variable_by_name(name))
    assert (variable.name, variable.value, variable.tags) == (name, "eu-west", ["infra"])
    assert with_client(lambda client: client.read_variable_by_name(f"{name}_missing")) is None

    api("PATCH", f"/variables/name/{name}", {"value": "us-east"})
    assert flows.variable_reading_flow(name) == ("us-east", "fallback")
    listed = with_client(lambda client: client.read_variables())
    assert name in {variable.name for variable in listed}


def test_a_named_secret_block_saves_loads_in_a_flow_and_reads_hidden_without_include_secrets():
    name = f"password-{uuid.uuid4().hex[:12]}"
    with temporary_settings(updates=as_admin()):
        Secret(value="hunter2").save(name)
        assert Secret.load(name).get() == "hunter2"
        Secret(value="changed").save(name, overwrite=True)
    # The flow itself runs with the suite's own key (an agent key on Edgeflow), as flows do.
    assert flows.secret_loading_flow(name) == "changed"

    raw = api("GET", f"/block_types/slug/secret/block_documents/name/{name}")
    assert raw["data"] == {"value": "********"}
    assert raw["block_type"]["slug"] == "secret"
    shown = api("GET", f"/block_types/slug/secret/block_documents/name/{name}", params={"include_secrets": "true"})
    assert shown["data"] == {"value": "changed"}


def test_json_and_string_blocks_save_and_load_their_values():
    suffix = uuid.uuid4().hex[:12]
    value = {"regions": ["eu", "us"], "limits": {"cpu": 2}, "enabled": True}
    with temporary_settings(updates=as_admin()):
        JSON(value=value).save(f"settings-{suffix}")
        String(value="s3://bucket/prefix").save(f"bucket-{suffix}")
        assert JSON.load(f"settings-{suffix}").value == value
        assert String.load(f"bucket-{suffix}").value == "s3://bucket/prefix"

    raw = api("GET", f"/block_types/slug/json/block_documents/name/settings-{suffix}")
    assert raw["data"] == {"value": value}
    assert api("GET", f"/block_types/slug/string/block_documents/name/bucket-{suffix}")["data"] == {
        "value": "s3://bucket/prefix"
    }
    listed = with_client(lambda client: client.read_block_documents_by_type("json"))
    assert {document.name: document.data for document in listed}[f"settings-{suffix}"] == {"value": value}

    with temporary_settings(updates=as_admin()):
        String.delete(f"bucket-{suffix}")
        with pytest.raises(ValueError, match="Unable to find block document"):
            String.load(f"bucket-{suffix}")


def test_a_custom_block_with_a_nested_secret_field_hides_it_on_read_and_loads_it_whole():
    name = f"warehouse-{uuid.uuid4().hex[:12]}"
    with temporary_settings(updates=as_admin()):
        flows.Warehouse(
            account="acme", connection=flows.Connection(host="db.internal", password="s3cret")
        ).save(name)
        loaded = flows.Warehouse.load(name)
    assert loaded.account == "acme" and loaded.connection.host == "db.internal"
    assert loaded.connection.password.get_secret_value() == "s3cret"

    path = f"/block_types/slug/suite-warehouse/block_documents/name/{name}"
    raw = api("GET", path)
    assert raw["block_schema"]["fields"]["secret_fields"] == ["connection.password"]
    assert raw["data"] == {
        "account": "acme",
        "connection": {"host": "db.internal", "password": "********"},
    }
    assert api("GET", path, params={"include_secrets": "true"})["data"]["connection"]["password"] == "s3cret"
    # Hidden on every other read path too: by id, and in a filter.
    assert api("GET", f"/block_documents/{raw['id']}")["data"]["connection"]["password"] == "********"
    [listed] = api(
        "POST",
        "/block_documents/filter",
        {"block_documents": {"name": {"any_": [name]}}, "block_types": {"slug": {"any_": ["suite-warehouse"]}}},
    )
    assert listed["data"]["connection"] == {"host": "db.internal", "password": "********"}
    # What `prefect block ls` and `prefect block type ls` read: the client asks with include_secrets.
    documents = with_client(lambda client: client.read_block_documents())
    assert {d.name: d.data for d in documents}[name]["connection"]["password"] == "s3cret"
    assert "suite-warehouse" in {block_type.slug for block_type in with_client(lambda c: c.read_block_types())}
