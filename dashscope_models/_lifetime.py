"""``close()`` / ``aclose()`` and the context-manager forms, for the framework classes.

Connections are pooled per process (one pool per endpoint setting, see ``_pool``) and closed
at interpreter exit (sync) or with their event loop (async, ``asyncio.run``), so scripts need
nothing. Applications that manage lifetimes (a web server's shutdown hook, a test fixture)
close them when they choose with these methods, as with ``httpx.Client``: closing a model
closes the pool it shares with every model of the same endpoint settings, and the next call
opens it again.

Example::

    with ChatQwen(model="qwen-plus") as model:
        model.invoke("Hi")
    async with Qwen(model="qwen-plus") as llm:
        await llm.acomplete("Hi")
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

__all__ = ["Closable", "ClosingContext", "PoolLifetime"]


class Closable(Protocol):
    """What :class:`PoolLifetime` closes (``DashScopeClient`` is one)."""

    def close(self) -> None: ...

    async def aclose(self) -> None: ...


class ClosingContext:
    """``with``/``async with`` for a class with ``close()``/``aclose()``: closes on exit.

    Example: ``with DashScopeClient() as client: ...`` (its pools are closed after).
    """

    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class PoolLifetime(ClosingContext):
    """Adds ``close``/``aclose`` and ``with``/``async with`` to a class with a ``client``.

    Example: ``with ChatQwen() as model: model.invoke("Hi")`` (the pool is closed after).
    """

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def client(self) -> Closable: ...

    def close(self) -> None:
        """Close the sync connection pool this model uses (it reopens on the next call)."""
        self.client.close()

    async def aclose(self) -> None:
        """Close this model's async pool on the running event loop, and its sync pool."""
        await self.client.aclose()
