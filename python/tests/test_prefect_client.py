"""Prefect 2's stock client runs real flows against the server under test, and reads them back.

Each test runs a flow through the client, then reads the run back twice: through the client's own
read methods, and through plain HTTP on the API paths Edgeflow and Prefect share.
"""

import concurrent.futures
import time
import uuid

import pytest
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
from prefect.client.schemas.sorting import LogSort
from prefect.logging.handlers import APILogHandler

import flows
from helpers import DEV_KEY, api, with_client


def task_runs_of(flow_run_id):
    return with_client(
        lambda client: client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    )


def api_task_runs_of(flow_run_id):
    body = {"flow_runs": {"id": {"any_": [str(flow_run_id)]}}, "sort": "EXPECTED_START_TIME_ASC"}
    return api("POST", "/task_runs/filter", body)


def state_names(states):
    return [state.name if hasattr(state, "name") else state["name"] for state in states]


def test_parameters_are_stored_and_returned_verbatim():
    options = {"nested": [1, 2, {"deep": None}], "text": "é"}
    state = flows.with_parameters(3, label="given", options=options, return_state=True)
    assert state.is_completed()
    assert state.result() == {"count": 3, "label": "given", "options": options}
    run_id = state.state_details.flow_run_id

    run = with_client(lambda client: client.read_flow_run(run_id))
    assert run.parameters == {"count": 3, "label": "given", "options": options}
    assert run.state.type.value == "COMPLETED"
    assert run.run_count == 1
    assert run.start_time is not None and run.end_time is not None and run.end_time >= run.start_time

    raw = api("GET", f"/flow_runs/{run_id}")
    assert raw["parameters"] == {"count": 3, "label": "given", "options": options}
    assert raw["state"]["type"] == "COMPLETED"
    history = with_client(lambda client: client.read_flow_run_states(run_id))
    assert [state.type.value for state in history] == ["PENDING", "RUNNING", "COMPLETED"]
    raw_history = api("GET", "/flow_run_states/", params={"flow_run_id": str(run_id)})
    assert [state["type"] for state in raw_history] == ["PENDING", "RUNNING", "COMPLETED"]


def test_a_failed_task_with_retries_left_is_retried_by_the_server():
    key = f"flaky-{uuid.uuid4()}"
    state = flows.retrying_flow(key, return_state=True)
    assert state.result() == "second attempt"
    assert flows.calls[key] == 2

    [task_run] = task_runs_of(state.state_details.flow_run_id)
    assert task_run.run_count == 2
    assert task_run.state.type.value == "COMPLETED"
    history = with_client(lambda client: client.read_task_run_states(task_run.id))
    assert state_names(history) == ["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]

    raw_history = api("GET", "/task_run_states/", params={"task_run_id": str(task_run.id)})
    assert state_names(raw_history) == ["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]
    assert api("GET", f"/task_runs/{task_run.id}")["run_count"] == 2


def test_map_over_ten_items_makes_ten_task_runs():
    state = flows.mapping_flow(10, return_state=True)
    assert state.result() == [2 * x for x in range(10)]
    run_id = state.state_details.flow_run_id

    task_runs = task_runs_of(run_id)
    assert len(task_runs) == 10
    assert sorted(int(run.dynamic_key) for run in task_runs) == list(range(10))
    assert {run.state.type.value for run in task_runs} == {"COMPLETED"}
    assert {run.flow_run_id for run in task_runs} == {run_id}

    raw = api_task_runs_of(run_id)
    assert len(raw) == 10
    assert {run["state"]["type"] for run in raw} == {"COMPLETED"}


def test_submit_with_wait_for_records_the_upstream_run_and_waits_for_it():
    state = flows.waiting_flow(return_state=True)
    assert state.result() == ("first", "second")
    runs = {run.dynamic_key: run for run in task_runs_of(state.state_details.flow_run_id)}
    first, second = runs["0"], runs["1"]
    assert [upstream.id for upstream in second.task_inputs["wait_for"]] == [first.id]
    assert second.start_time >= first.end_time

    raw = api("GET", f"/task_runs/{second.id}")
    assert raw["task_inputs"]["wait_for"] == [{"input_type": "task_run", "id": str(first.id)}]


def test_a_subflow_runs_under_a_parent_task_run_that_follows_its_states():
    state = flows.parent_flow(4, return_state=True)
    assert state.result() == 50
    parent_id = state.state_details.flow_run_id

    [parent_task] = task_runs_of(parent_id)
    children = with_client(
        lambda client: client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_task_run_id={"any_": [parent_task.id]})
        )
    )
    assert len(children) == 1
    child = children[0]
    assert child.parent_task_run_id == parent_task.id
    assert child.state.type.value == "COMPLETED"
    # The server copies the child's states onto the task run that stands for it in the parent.
    assert parent_task.state.type.value == "COMPLETED"
    assert parent_task.state.state_details.child_flow_run_id == child.id

    raw_task = api("GET", f"/task_runs/{parent_task.id}")
    assert raw_task["state"]["type"] == "COMPLETED"
    assert raw_task["state"]["state_details"]["child_flow_run_id"] == str(child.id)
    assert api("GET", f"/flow_runs/{child.id}")["parent_task_run_id"] == str(parent_task.id)


def test_a_cached_task_is_not_run_again_on_the_second_call():
    key = f"cache-{uuid.uuid4()}"
    first = flows.caching_flow(key, 7, return_state=True)
    second = flows.caching_flow(key, 7, return_state=True)
    assert first.result() == 49 and second.result() == 49
    assert flows.calls[f"cached-{key}"] == 1

    [first_task] = task_runs_of(first.state_details.flow_run_id)
    [second_task] = task_runs_of(second.state_details.flow_run_id)
    assert first_task.state.name == "Completed"
    assert second_task.state.name == "Cached"
    assert second_task.state.type.value == "COMPLETED"

    [raw] = api_task_runs_of(second.state_details.flow_run_id)
    assert raw["state"]["name"] == "Cached"
    assert raw["state"]["type"] == "COMPLETED"


def test_logs_from_get_run_logger_are_stored_by_flow_run_and_task_run():
    word = f"word-{uuid.uuid4()}"
    state = flows.logging_flow(word, return_state=True)
    assert state.result() == word
    APILogHandler.flush()
    run_id = state.state_details.flow_run_id

    logs = with_client(
        lambda client: client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), sort=LogSort.TIMESTAMP_ASC
        )
    )
    messages = [log.message for log in logs]
    assert f"flow says {word}" in messages
    assert f"task says {word}" in messages
    assert [log.timestamp for log in logs] == sorted(log.timestamp for log in logs)
    task_line = next(log for log in logs if log.message == f"task says {word}")
    assert task_line.level == 30
    [task_run] = task_runs_of(run_id)
    assert task_line.task_run_id == task_run.id

    raw = api("POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": [str(run_id)]}}, "sort": "TIMESTAMP_DESC"})
    raw_messages = [log["message"] for log in raw]
    assert f"flow says {word}" in raw_messages and f"task says {word}" in raw_messages
    assert [log["timestamp"] for log in raw] == sorted((log["timestamp"] for log in raw), reverse=True)


def test_a_flow_that_raises_ends_failed_and_the_caller_sees_the_exception():
    with pytest.raises(ValueError, match="fails on purpose"):
        flows.failing_flow()
    state = flows.failing_flow(return_state=True)
    assert state.is_failed()
    run_id = state.state_details.flow_run_id

    run = with_client(lambda client: client.read_flow_run(run_id))
    assert run.state.type.value == "FAILED"
    assert "fails on purpose" in run.state.message
    assert run.end_time is not None

    raw = api("GET", f"/flow_runs/{run_id}")
    assert raw["state"]["type"] == "FAILED"
    assert "fails on purpose" in raw["state"]["message"]



def _resume_when_paused(marker: str, timeout: float = 60):
    """Waits until the pausing flow with this marker is PAUSED, resumes it through the API, and returns
    its id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        paused = api(
            "POST", "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}, "limit": 50}
        )
        mine = [run for run in paused if run["parameters"].get("marker") == marker]
        if mine:
            api("POST", f"/flow_runs/{mine[0]['id']}/resume", key=DEV_KEY)
            return mine[0]["id"]
        time.sleep(0.2)
    raise AssertionError(f"no paused run with marker {marker}")


def test_a_flow_paused_in_its_process_waits_until_resumed_through_the_api_then_completes():
    marker = uuid.uuid4().hex
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        resumed = pool.submit(_resume_when_paused, marker)
        assert flows.pausing_flow(marker) == f"resumed {marker}"
        run_id = resumed.result()
    assert api("GET", f"/flow_runs/{run_id}")["state_type"] == "COMPLETED"
