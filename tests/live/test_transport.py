"""dlkit.live.transport: the labs' kernel websocket turns Nagle's algorithm off before Jupyter connects it, and the
server options that load it name a class that exists."""
from __future__ import annotations

import asyncio
import importlib

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from tornado.websocket import WebSocketHandler

from dlkit.live import transport


class FakeHandler(WebSocketHandler):
    """A websocket handler without a server: it records set_nodelay."""

    def __init__(self):  # noqa: D107 (no tornado application behind it)
        self.nodelay = []

    def set_nodelay(self, value):
        self.nodelay.append(value)


def test_the_connection_sets_nodelay_before_jupyter_connects(monkeypatch):
    order = []

    async def jupyter_connect(self):
        order.append(("connect", list(self.websocket_handler.nodelay)))

    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", jupyter_connect)
    handler = FakeHandler()
    connection = transport.NoDelayConnection.__new__(transport.NoDelayConnection)
    connection._trait_values = {"websocket_handler": handler}
    asyncio.run(connection.connect())
    assert order == [("connect", [True])]


def test_the_server_options_name_the_connection_class():
    dotted = transport.SERVER_CONFIG["ServerApp"]["kernel_websocket_connection_class"]
    assert transport.SERVER_OPTION == f"--ServerApp.kernel_websocket_connection_class={dotted}"
    module, name = dotted.rsplit(".", 1)
    assert getattr(importlib.import_module(module), name) is transport.NoDelayConnection
