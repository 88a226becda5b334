"""What the suite's tests share: plain HTTP to the server, the stock async client, the admin key."""

import asyncio
import os

import httpx
from prefect import get_client

DEV_KEY = "edgeflow-dev-key"


def api(method: str, path: str, body=None, params=None, key: str | None = None):
    """One call to the server's REST API, with the Bearer key when there is one."""
    key = key or os.environ.get("PREFECT_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.request(
        method, os.environ["PREFECT_API_URL"] + path, json=body, params=params, headers=headers, timeout=30
    )
    response.raise_for_status()
    return response.json() if response.content else None


def with_client(read):
    """Runs `read(client)` with the stock async client."""

    async def go():
        async with get_client() as client:
            return await read(client)

    return asyncio.run(go())


def as_admin():
    """Settings that make the client an admin on Edgeflow, where naming a block document is an admin's
    act (docs/api-scopes.md); Prefect's server has no keys, so there they change nothing."""
    from prefect.settings import PREFECT_API_KEY

    return {PREFECT_API_KEY: DEV_KEY} if os.environ.get("PREFECT_API_KEY") else {}
