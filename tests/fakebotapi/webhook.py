"""Webhook delivery: while a webhook is set, queued updates are POSTed to it one at a time, in order.

As Telegram does, each update goes as a JSON body with the header X-Telegram-Bot-Api-Secret-Token when a
secret token was set; a 2xx answer removes it from the queue, anything else is kept as the webhook's
last error (shown by getWebhookInfo) and retried after a short delay.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from .state import Store, now

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    """The delivery loop; ``wake`` is set by the server whenever updates or the webhook change."""

    def __init__(self, store: Store, retry_delay: float) -> None:
        self.store = store
        self.retry_delay = retry_delay
        self.wake = asyncio.Event()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                self.wake.clear()
                target = self._next()
                if target is None:
                    await self.wake.wait()
                    continue
                url, secret, update = target
                error = await self._post(session, url, secret, update)
                self._settle(update["update_id"], error)
                if error is not None:
                    await asyncio.sleep(self.retry_delay)

    def _next(self) -> tuple[str, str | None, dict[str, Any]] | None:
        with self.store.lock:
            webhook = self.store.webhook
            if not webhook.url or not self.store.updates:
                return None
            return webhook.url, webhook.secret_token, self.store.updates[0]

    @staticmethod
    async def _post(
        session: aiohttp.ClientSession, url: str, secret: str | None, update: dict[str, Any]
    ) -> str | None:
        """None when the webhook took the update, else the error getWebhookInfo reports."""
        headers = {SECRET_HEADER: secret} if secret else {}
        try:
            async with session.post(url, json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as error:
            return f"Connection failed: {error or type(error).__name__}"

    def _settle(self, update_id: int, error: str | None) -> None:
        with self.store.lock:
            if error is None:
                self.store.updates = [u for u in self.store.updates if u["update_id"] != update_id]
            else:
                self.store.webhook.last_error_date = now()
                self.store.webhook.last_error_message = error
            self.store.notify()
