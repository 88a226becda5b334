"""The flows the suite runs: plain Prefect 2 code, nothing Edgeflow-specific."""

from prefect import flow, get_run_logger, pause_flow_run, tags, task, variables
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from prefect.concurrency.sync import concurrency
from pydantic import BaseModel, SecretStr

# How often each task body really ran, per test run (the suite runs in one process).
calls: dict[str, int] = {}


def _count(name: str) -> int:
    calls[name] = calls.get(name, 0) + 1
    return calls[name]


@flow
def with_parameters(count: int, label: str = "default", options: dict | None = None):
    return {"count": count, "label": label, "options": options}


@task(retries=1, retry_delay_seconds=0)
def flaky(key: str):
    if _count(key) == 1:
        raise RuntimeError("the first attempt fails")
    return "second attempt"


@flow
def retrying_flow(key: str):
    return flaky(key)


@task
def double(x: int) -> int:
    return 2 * x


@flow
def mapping_flow(n: int = 10):
    return [future.result() for future in double.map(range(n))]


@task
def stamp(label: str) -> str:
    return label


@flow
def waiting_flow():
    first = stamp.submit("first")
    second = stamp.submit("second", wait_for=[first])
    return first.result(), second.result()


@flow
def child_flow(x: int):
    get_run_logger().info("child got %s", x)
    return x + 1


@flow
def parent_flow(x: int):
    return child_flow(x) * 10


@task(cache_key_fn=lambda context, parameters: f"square-{parameters['key']}-{parameters['x']}")
def cached_square(key: str, x: int) -> int:
    _count(f"cached-{key}")
    return x * x


@flow
def caching_flow(key: str, x: int):
    return cached_square(key, x)


@task
def noisy_task(word: str):
    get_run_logger().warning("task says %s", word)
    return word


@flow
def logging_flow(word: str):
    get_run_logger().info("flow says %s", word)
    return noisy_task(word)


@flow
def failing_flow():
    raise ValueError("this flow fails on purpose")


@task
def report_task(key: str, rows: list[dict]):
    create_table_artifact(rows, key=f"{key}-table", description="rows from a task")
    return len(rows)


@flow
def reporting_flow(key: str, rows: list[dict]):
    create_markdown_artifact(f"# Report {key}", key=f"{key}-summary", description="from the flow")
    create_link_artifact("https://example.com/report", link_text="the report", key=f"{key}-link")
    return report_task(key, rows)


@flow
def variable_reading_flow(name: str):
    return variables.get(name), variables.get(f"{name}_missing", default="fallback")


@flow
def secret_loading_flow(name: str):
    return Secret.load(name).get()


class Connection(BaseModel):
    host: str
    password: SecretStr


class Warehouse(Block):
    """A user's own block type with a secret inside a nested model."""

    _block_type_slug = "suite-warehouse"
    account: str
    connection: Connection


@task
def slots_in_use(name: str) -> int:
    from helpers import api

    return api("GET", f"/v2/concurrency_limits/{name}")["active_slots"]


@flow
def concurrency_flow(name: str):
    """Holds a slot of the global concurrency limit `name` while its task reads the limit's slots."""
    with concurrency(name, occupy=1):
        return slots_in_use(name)


@task
def tag_slot_holders(tag: str) -> tuple[str, list[str]]:
    from prefect.context import get_run_context

    from helpers import api

    own = str(get_run_context().task_run.id)
    return own, api("GET", f"/concurrency_limits/tag/{tag}")["active_slots"]


@flow
def tag_limited_flow(tag: str):
    """Two tasks under a tag whose limit is 1, submitted at once: each reads who holds the tag's slots."""
    with tags(tag):
        first = tag_slot_holders.submit(tag)
        second = tag_slot_holders.submit(tag)
    return first.result(), second.result()


@flow
def pausing_flow(marker: str):
    """Pauses itself in its own process (Prefect 2's `pause_flow_run`) and goes on once resumed."""
    pause_flow_run(timeout=60, poll_interval=1)
    return f"resumed {marker}"
