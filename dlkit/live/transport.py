"""How a live frame travels from the kernel to the page: the Jupyter server's kernel websocket, with Nagle's
algorithm off.

A frame is a burst of small comm messages (a line's points, a raster, the status line). The Jupyter server
writes them to the browser's websocket as they come, and by default the operating system holds back a small
write while an earlier one waits for its acknowledgement, which the browser delays by up to 40 ms (TCP's
delayed ACK). Measured in Chromium on a Playground run: a frame arrived split in two about 40 ms apart, so the
second half landed together with the next frame and a third of the boundary's pictures were never seen.
``TCP_NODELAY`` sends each write at once. The labs' servers use this connection class (``make lab``, the hub,
the browser tests):

    jupyter lab --ServerApp.kernel_websocket_connection_class=dlkit.live.transport.NoDelayConnection
"""
from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

SERVER_OPTION = "--ServerApp.kernel_websocket_connection_class=dlkit.live.transport.NoDelayConnection"
SERVER_CONFIG = {"ServerApp": {"kernel_websocket_connection_class": "dlkit.live.transport.NoDelayConnection"}}


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """Jupyter's kernel websocket connection, writing every message to the browser without delay."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()
