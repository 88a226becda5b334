"""Concurrency limits through Prefect 2.15's stock client: a task tag limit (V1, `/concurrency_limits`)
and a global limit taken by `prefect.concurrency`'s `concurrency()` (V2, lease-less increment and
decrement). The limits are made with the admin key; the flows run with the suite's agent key.
"""

import uuid

import flows
from helpers import DEV_KEY, api


def test_concurrency_holds_a_slot_of_a_global_limit_while_its_block_runs_and_gives_it_back():
    name = f"warehouse-{uuid.uuid4().hex[:8]}"
    api("POST", "/v2/concurrency_limits/", {"name": name, "limit": 1}, key=DEV_KEY)
    assert flows.concurrency_flow(name) == 1
    assert api("GET", f"/v2/concurrency_limits/{name}")["active_slots"] == 0


def test_a_task_tag_limit_of_one_lets_one_tagged_task_run_at_a_time_and_frees_its_slot():
    tag = f"db-{uuid.uuid4().hex[:8]}"
    api("POST", "/concurrency_limits/", {"tag": tag, "concurrency_limit": 1}, key=DEV_KEY)
    (first_id, first_saw), (second_id, second_saw) = flows.tag_limited_flow(tag)
    assert first_id != second_id
    # While each ran, it alone held the tag's one slot.
    assert first_saw == [first_id] and second_saw == [second_id]
    assert api("GET", f"/concurrency_limits/tag/{tag}")["active_slots"] == []
