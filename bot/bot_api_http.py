"""The connection to the Bot API: every request kaohe makes to Telegram goes through ``BotApiRequest``.

A python-telegram-bot ``BaseRequest`` that sends over httpcore's HTTP/1.1 connections, kept alive,
directly or through the configured proxy (``http://``, ``https://``, ``socks5://``, ``socks5h://``),
as PTB's ``HTTPXRequest`` does through httpx's client, without what cost most of a request's CPU:
httpx's client layer (URL and header merging, cookies, hooks, the response object), anyio under
httpcore (``AsyncioBackend`` runs on asyncio's own transports) and httpcore's pool bookkeeping (the
request keeps its few connections itself). What PTB relies on is kept: the same form-encoded
parameters, multipart bodies for files (encoded by httpx), the default and per-call timeouts
(``DEFAULT_NONE`` meaning "the default", the media write timeout for uploads), a pool timeout or any
other timeout raised as ``TimedOut``, other transport failures as ``NetworkError``, and the status
and body handed back for PTB to map (429 ``RetryAfter``, 400 ``BadRequest``, 403 ``Forbidden`` …).
With no proxy configured, one in the environment (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) is
used, as httpx would; certificates are httpx's (certifi, or ``SSL_CERT_FILE``).

``bot_api_request`` builds one; ``bot.app`` (the running bot: one for ``getUpdates``, one for the
rest), ``bot.evidence`` and ``kaohe invites`` use it.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass

import httpcore
import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* sent to "
    "Telegram. Consider adjusting the connection pool size or the pool timeout."
)  # PTB's HTTPXRequest's words
KEEPALIVE_SECONDS = 5.0  # an idle connection is not used again after it (httpx's default)
FORM = b"application/x-www-form-urlencoded"
USER_AGENT = BaseRequest.USER_AGENT.encode("ascii")
DEFAULT_PORTS = {b"http": 80, b"https": 443}

Pool = httpcore.AsyncConnectionPool | httpcore.AsyncHTTPProxy | httpcore.AsyncSOCKSProxy
Connection = httpcore.AsyncConnectionInterface


class _Arrivals(asyncio.Protocol):
    """What a connection received and not yet read, for ``_Stream``."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False  # the server closed its side, or the connection was lost
        self.lost: Exception | None = None
        self.waiting: asyncio.Future[None] | None = None  # a read waiting for data
        self.draining: asyncio.Future[None] | None = None  # a write waiting for room

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended, self.lost = True, exc
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self.draining is None:
            self.draining = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        draining, self.draining = self.draining, None
        if draining is not None and not draining.done():
            draining.set_result(None)

    def _wake(self) -> None:
        waiting, self.waiting = self.waiting, None
        if waiting is not None and not waiting.done():
            waiting.set_result(None)


class _Stream(httpcore.AsyncNetworkStream):
    """One connection as httpcore reads and writes it, on asyncio's transport (no anyio between)."""

    def __init__(self, arrivals: _Arrivals) -> None:
        assert arrivals.transport is not None
        self._arrivals = arrivals
        self._transport = arrivals.transport

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        arrivals = self._arrivals
        if not arrivals.buffer and not arrivals.ended:
            arrivals.waiting = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await arrivals.waiting
            except TimeoutError as error:
                raise httpcore.ReadTimeout(str(error)) from error
        if not arrivals.buffer:
            if arrivals.lost is not None:
                raise httpcore.ReadError(str(arrivals.lost)) from arrivals.lost
            return b""
        data = bytes(arrivals.buffer[:max_bytes])
        del arrivals.buffer[:max_bytes]
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        draining = self._arrivals.draining
        if draining is not None:  # the transport's buffer is full: wait till it has room
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.shield(draining)
            except TimeoutError as error:
                raise httpcore.WriteTimeout(str(error)) from error

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._arrivals, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as error:
            self._transport.close()
            raise httpcore.ConnectTimeout(str(error)) from error
        except (OSError, ssl.SSLError) as error:
            self._transport.close()
            raise httpcore.ConnectError(str(error)) from error
        assert isinstance(transport, asyncio.Transport)
        self._arrivals.transport = transport
        return _Stream(self._arrivals)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle connection: the server closed it, or sent more
            return bool(self._arrivals.buffer) or self._arrivals.ended or self._transport.is_closing()
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info in ("ssl_object", "socket"):
            return self._transport.get_extra_info(info)
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network on asyncio's own transports: anyio's cancel scope around every read and
    write was about a fifth of a request's CPU."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                _, arrivals = await loop.create_connection(_Arrivals, host, port, local_addr=local)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(str(error)) from error
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error
        sock = arrivals.transport.get_extra_info("socket") if arrivals.transport else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in socket_options or ():
                sock.setsockopt(*option)
        return _Stream(arrivals)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def environment_proxy(api_url: str) -> str | None:
    """The proxy the environment names for the Bot API's URL, if any (``HTTPS_PROXY``, ``ALL_PROXY``;
    ``NO_PROXY`` respected)."""
    url = urlsplit(api_url)
    proxies = getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or proxy_bypass(url.hostname or ""):
        return None
    return proxy


def connection_pool(proxy: str | None, connections: int) -> Pool:
    """httpcore's pool of up to ``connections`` kept-alive HTTP/1.1 connections, through ``proxy``."""
    ssl_context = httpx.create_ssl_context()
    limits: dict[str, Any] = {
        "max_connections": connections,
        "max_keepalive_connections": connections,
        "keepalive_expiry": KEEPALIVE_SECONDS,
        "network_backend": AsyncioBackend(),
    }
    if not proxy:
        return httpcore.AsyncConnectionPool(ssl_context=ssl_context, **limits)
    parsed = httpx.Proxy(proxy)  # the credentials taken out of the URL
    proxy_url = httpcore.URL(
        scheme=parsed.url.raw_scheme,
        host=parsed.url.raw_host,
        port=parsed.url.port,
        target=parsed.url.raw_path,
    )
    if parsed.url.scheme in ("socks5", "socks5h"):
        return httpcore.AsyncSOCKSProxy(
            proxy_url=proxy_url, proxy_auth=parsed.raw_auth, ssl_context=ssl_context, **limits
        )
    return httpcore.AsyncHTTPProxy(
        proxy_url=proxy_url, proxy_auth=parsed.raw_auth, ssl_context=ssl_context, **limits
    )


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class BotApiRequest(BaseRequest):
    """PTB's ``HTTPXRequest``, its timeouts and errors, on httpcore's HTTP/1.1 connections.

    httpcore's pool (``connection_pool``) makes each connection (direct or through the proxy); the
    request keeps them itself: a request waits for a free one on a semaphore (``pool_timeout``), takes
    the last one freed that is still good, or a new one, and gives it back once the answer is read.
    httpcore's own pool looks at every waiting request and every connection, under anyio's locks and
    events, each time a request comes or goes: a quarter of what a request cost."""

    __slots__ = (
        "_connect_timeout",
        "_connections",
        "_idle",
        "_media_write_timeout",
        "_open",
        "_pool",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_slots",
        "_urls",
        "_write_timeout",
    )

    def __init__(
        self,
        connections: int = 1,
        *,
        proxy: str | None = None,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._proxy = proxy
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._urls: dict[str, tuple[httpcore.URL, bytes]] = {}  # a method's URL and Host, parsed once
        self._pool: Pool | None = connection_pool(proxy, connections)
        self._slots = asyncio.Semaphore(connections)  # a request holds one while it uses a connection
        self._idle: list[Connection] = []  # the last freed last
        self._open: set[Connection] = set()

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @property
    def pool(self) -> Pool | None:
        """What makes the connections (direct or through the proxy); None once shut down."""
        return self._pool

    @property
    def open_connections(self) -> int:
        return len(self._open)

    async def initialize(self) -> None:
        if self._pool is None:
            self._pool = connection_pool(self._proxy, self._connections)

    async def shutdown(self) -> None:
        self._pool = None
        connections, self._open, self._idle = self._open, set(), []
        for connection in connections:
            await connection.aclose()

    def _target(self, url: str, method: str) -> tuple[httpcore.URL, bytes]:
        """The URL as httpcore takes it, and its Host header (remembered for the API's methods)."""
        known = self._urls.get(url)
        if known is None:
            parsed = httpcore.URL(url)
            host = parsed.host
            if parsed.port is not None and parsed.port != DEFAULT_PORTS.get(parsed.scheme):
                host = b"%b:%d" % (host, parsed.port)
            known = (parsed, host)
            if method == "POST":  # not a file's URL, one of many
                self._urls[url] = known
        return known

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        pool = self._pool
        if pool is None:
            raise RuntimeError("This BotApiRequest is not initialized!")
        target, host = self._target(url, method)
        headers = [(b"Host", host), (b"User-Agent", USER_AGENT)]
        uploads = request_data is not None and request_data.contains_files
        body = b""
        if request_data is not None and uploads:
            encoded = httpx.Request(
                method, url, data=request_data.json_parameters, files=request_data.multipart_data
            )
            headers.append((b"Content-Type", encoded.headers["Content-Type"].encode("ascii")))
            body = encoded.read()
        elif request_data is not None:
            body = request_data.url_encoded_parameters().encode("ascii")
            headers.append((b"Content-Type", FORM))
        if body or method == "POST":
            headers.append((b"Content-Length", b"%d" % len(body)))
        timeouts = {
            "connect": _given(connect_timeout, self._connect_timeout),
            "read": _given(read_timeout, self._read_timeout),
            "write": _given(write_timeout, self._media_write_timeout if uploads else self._write_timeout),
            "pool": _given(pool_timeout, self._pool_timeout),
        }
        request = httpcore.Request(
            method.encode("ascii"), target, headers=headers, content=body, extensions={"timeout": timeouts}
        )
        await self._take_slot(timeouts["pool"])
        connection = None
        try:
            connection = await self._connection(pool, target.origin)
            response = await connection.handle_async_request(request)
            try:
                payload = await response.aread()
            finally:
                await response.aclose()
        except httpcore.TimeoutException as error:
            raise TimedOut from error
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.ProxyError,
            httpcore.UnsupportedProtocol,
        ) as error:
            raise NetworkError(f"httpcore.{type(error).__name__}: {error}") from error
        finally:
            if connection is not None:
                self._give_back(connection)
            self._slots.release()
        return response.status, payload

    async def _take_slot(self, timeout: float | None) -> None:
        """Wait for one of the connections to be free, at most ``timeout`` seconds."""
        if not self._slots.locked():
            await self._slots.acquire()  # at once
            return
        try:
            async with asyncio.timeout(timeout):
                await self._slots.acquire()
        except TimeoutError as error:
            raise TimedOut(POOL_TIMEOUT_MESSAGE) from error

    async def _connection(self, pool: Pool, origin: httpcore.Origin) -> Connection:
        """The connection freed last if still good (kept alive, not closed by the server), else a new one."""
        while self._idle:
            connection = self._idle.pop()
            if (
                connection.can_handle_request(origin)
                and connection.is_idle()
                and not connection.has_expired()
            ):
                return connection
            self._open.discard(connection)
            await connection.aclose()
        connection = pool.create_connection(origin)
        self._open.add(connection)
        return connection

    def _give_back(self, connection: Connection) -> None:
        if connection.is_idle():  # its answer read whole: kept alive for the next request
            self._idle.append(connection)
        elif connection.is_closed():
            self._open.discard(connection)
        # else (cancelled mid-answer and not closed by httpcore): closed at shutdown


def bot_api_request(
    proxy: str | None,
    api_url: str,
    *,
    connections: int = 1,
    pool_timeout: float | None = 1.0,
    read_timeout: float | None = 5.0,
) -> BotApiRequest:
    """The connection to the Bot API at ``api_url``: through ``proxy`` (the configured one, else the
    environment's), up to ``connections`` at once, waiting ``pool_timeout`` seconds for one."""
    return BotApiRequest(
        connections,
        proxy=proxy or environment_proxy(api_url),
        pool_timeout=pool_timeout,
        read_timeout=read_timeout,
    )
