"""The completion POST, sent on a plain aiohttp session instead of through the SDK's layers.

Why: at 128 requests/s the SDK's `post` (options, header merging, URL parsing, an httpx
request and response over its aiohttp transport) cost 0.75 ms of CPU a request, the same
POST on a bare aiohttp session 0.31 ms (benchmarks/generate_throughput.py measures the
whole run). What the SDK gave is kept: its identifying headers (read once from the client),
its status errors (`_make_status_error_from_response`: a 429 is a `RateLimitError` carrying
the response's headers, so the wire's retry policy reads them as before), and a failed
connection as `APIConnectionError` with the cause chained (so `wire.unreachable` still finds
a refused connection). Retries, deadlines and rate limits stay the wire's. The body is read
up to a cap and no further. The SDK client still serves the Files and Batches APIs.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx2  # the openai SDK's HTTP client: its Response carries a status error
import openai
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from selfinstruct.jsontext import dumps_function

#: bytes read from the body at a time (the cap is checked after each)
CHUNK_BYTES = 1 << 16
#: the body's text, as `json.dumps(body, ensure_ascii=False)` writes it
_body_text = dumps_function()


class AnswerTooLarge(Exception):
    """The body passed the cap (the wire turns it into a BadResponse)."""


class DirectPost:
    """POSTs JSON bodies to the client's base URL and returns the answer's text."""

    def __init__(self, client: openai.AsyncOpenAI, api_key: str, max_body_bytes: int) -> None:
        self.client = client
        self.max_body_bytes = max_body_bytes
        self.base_url = str(client.base_url).rstrip("/")
        # what the SDK sends with every request (user agent, platform, organization and
        # project when set), without its placeholders for headers it leaves out
        self.headers = {
            name: value for name, value in client.default_headers.items() if isinstance(value, str)
        }
        self.headers["Authorization"] = f"Bearer {api_key}"
        self.headers["X-Stainless-Retry-Count"] = "0"  # the SDK's own retries are off
        self._session: aiohttp.ClientSession | None = None
        self._proxy: dict[str, Any] = {}

    def _open(self) -> aiohttp.ClientSession:
        """One session per run, made on first use (it needs the running loop). No timeout of
        its own: the wire's deadline bounds the whole attempt; the SDK's connection limit
        (1000). A proxy from the environment (HTTPS_PROXY, NO_PROXY, ...), as the SDK honours
        them, is looked up here once: aiohttp's `trust_env` looks it up on every request,
        0.28 ms of CPU each."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1000, ssl=httpx2.create_ssl_context()),
                timeout=aiohttp.ClientTimeout(total=None),
            )
            try:
                proxy, auth = get_env_proxy_for_url(URL(self.base_url))
                self._proxy = {"proxy": proxy, "proxy_auth": auth}
            except LookupError:
                self._proxy = {}
        return self._session

    async def post(self, path: str, body: dict[str, Any]) -> str:
        """The body's text of a 2xx answer; an `openai.APIStatusError` subclass for any other
        status, `openai.APIConnectionError` when the connection failed, `AnswerTooLarge`
        past the cap."""
        url = self.base_url + path
        data = _body_text(body).encode("utf-8")
        try:
            async with self._open().post(
                url, data=data, headers=self.headers, allow_redirects=False, **self._proxy
            ) as response:
                raw = await self._read(response)
                if not 200 <= response.status < 300:
                    raise self.client._make_status_error_from_response(
                        httpx2.Response(
                            response.status,
                            headers=response.raw_headers,
                            content=raw,
                            request=httpx2.Request("POST", url),
                        )
                    )
                return raw.decode(response.charset or "utf-8", errors="replace")
        except aiohttp.ClientError as exc:
            raise openai.APIConnectionError(request=httpx2.Request("POST", url)) from exc

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.max_body_bytes
        declared = response.content_length
        if declared is not None and declared > limit:
            raise AnswerTooLarge(f"answer body of {declared:,} bytes (limit {limit:,})")
        chunks: list[bytes] = []
        seen = 0
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            seen += len(chunk)
            if seen > limit:
                raise AnswerTooLarge(f"answer body larger than {limit:,} bytes; not read on")
            chunks.append(chunk)
        return b"".join(chunks)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
