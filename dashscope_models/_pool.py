"""Shared connection pools: one per endpoint setting (and, for async, per event loop).

Every client with the same ``base_url``, timeout and proxy setting shares one pool, whatever
its API key (the key travels in each request's headers, never in the pool). Nothing is opened
until the first request; each pool's sender is made from the one connection decision
(``_connection``: proxy, TLS, limits, timeouts). Async pools are bound to the event loop that
created them, because connections cannot move between loops; a loop's pools disappear with
the loop.

The async path sends straight through an aiohttp session (``_aio``): measured in
``benchmarks/bench_core.py``, httpx's own async pool is 10-30x slower for 200 concurrent calls,
and wrapping aiohttp in httpx response objects cost another 5-15 % (see README, Benchmarks).

Example::

    client = sync_pool(config)     # an httpx.Client shared by every model with this config
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

import httpx

from dashscope_models._config import ClientConfig
from dashscope_models._connection import LIMITS, Connection, connection_for, timeouts

if TYPE_CHECKING:
    from dashscope_models._transport import AsyncSender
    from dashscope_models._urllib3 import Urllib3Sender

__all__ = ["async_pool", "close_pools", "sync_pool"]

_Key = tuple[str, float, str | None]
_lock = threading.Lock()
_sync: dict[_Key, httpx.Client] = {}
_streams: dict[_Key, Urllib3Sender] = {}
_async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_Key, AsyncSender]] = (
    weakref.WeakKeyDictionary()
)


def _connection(config: ClientConfig) -> Connection:
    return connection_for(config.base_url, config.proxy, config.timeout)


def new_sync_client(
    config: ClientConfig, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """A fresh sync httpx client for ``config`` (used for pools and private transports: a
    given transport is used as it is, with no proxy in front of it)."""
    if transport is not None:
        return httpx.Client(
            timeout=timeouts(config.timeout), limits=LIMITS, transport=transport, trust_env=False
        )
    connection = _connection(config)
    return httpx.Client(
        timeout=connection.timeout,
        limits=connection.limits,
        proxy=connection.proxy,
        verify=connection.ssl_context(),
        trust_env=False,  # the environment was read once, in the connection decision
    )


def new_async_transport(
    config: ClientConfig, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncSender:
    """The async sender requests go through: straight to aiohttp unless a transport is given.

    See ``_aio``: httpx's async pool serialises under concurrency, and wrapping aiohttp in httpx
    objects costs time per request (``benchmarks/bench_core.py``).
    """
    if transport is not None:
        return transport
    from dashscope_models._aio import AioSender  # aiohttp is imported only when first needed

    return AioSender(_connection(config))


def sync_pool(config: ClientConfig) -> httpx.Client:
    """The shared sync client for ``config``'s endpoint settings."""
    client = _sync.get(config.pool_key)
    if client is None or client.is_closed:
        with _lock:
            client = _sync.get(config.pool_key)
            if client is None or client.is_closed:
                client = _sync[config.pool_key] = new_sync_client(config)
    return client


def stream_pool(config: ClientConfig) -> Urllib3Sender:
    """The shared sender of sync streams for ``config`` (``_urllib3``). Its connection is
    decided once per pool, as httpx reads the environment once per client (reading it per
    stream cost ~36 us)."""
    try:
        return _streams[config.pool_key]
    except KeyError:
        pass
    from dashscope_models._urllib3 import Urllib3Sender

    with _lock:
        if config.pool_key not in _streams:
            _streams[config.pool_key] = Urllib3Sender(_connection(config))
        return _streams[config.pool_key]


def async_pool(config: ClientConfig) -> AsyncSender:
    """The shared async transport for ``config``'s endpoint settings on the running loop."""
    loop = asyncio.get_running_loop()
    per_loop = _async.get(loop)
    if per_loop is None:
        per_loop = _async[loop] = {}
    transport = per_loop.get(config.pool_key)
    if transport is None:
        transport = per_loop[config.pool_key] = new_async_transport(config)
        _close_at_loop_shutdown(transport)
    return transport


_closers: weakref.WeakKeyDictionary[AsyncSender, AsyncGenerator[None, None]] = (
    weakref.WeakKeyDictionary()
)


def _close_at_loop_shutdown(transport: AsyncSender) -> None:
    """Close ``transport`` when its event loop shuts down (``asyncio.run`` and most runners
    call ``loop.shutdown_asyncgens()``, which finalizes every live async generator), so a
    shared pool nobody closed explicitly does not leak its sockets or warn at exit."""

    async def closer() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await transport.aclose()

    generator = closer()
    step = generator.__anext__()  # registers the generator with the running loop
    with contextlib.suppress(StopIteration):
        step.send(None)  # runs it to its ``yield``: no task, no await needed
    _closers[transport] = generator


def close_sync_pool(config: ClientConfig) -> None:
    """Close the shared sync client of ``config``, if one is open (reopens on use)."""
    with _lock:
        client = _sync.pop(config.pool_key, None)
        streams = _streams.pop(config.pool_key, None)
    if client is not None:
        client.close()
    if streams is not None:
        streams.close()


async def aclose_async_pool(config: ClientConfig) -> None:
    """Close the shared async transport of ``config`` on the running loop (reopens on use)."""
    per_loop = _async.get(asyncio.get_running_loop(), {})
    transport = per_loop.pop(config.pool_key, None)
    if transport is not None:
        await transport.aclose()


def close_pools() -> None:
    """Close every shared sync pool (async pools close with their loops or ``aclose_pools``).

    Runs at interpreter exit too, so a script's kept-alive connections are closed before the
    interpreter finalizes their sockets (which would warn ``ResourceWarning: unclosed socket``).
    """
    with _lock:
        for client in _sync.values():
            client.close()
        _sync.clear()
        for streams in _streams.values():
            streams.close()
        _streams.clear()


atexit.register(close_pools)


async def aclose_pools() -> None:
    """Close the shared async pools of the running loop."""
    per_loop = _async.pop(asyncio.get_running_loop(), {})
    for transport in per_loop.values():
        await transport.aclose()
