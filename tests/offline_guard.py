"""Loaded at the start of every notebook kernel the tests run: no cell may reach the network.

The test session copies this file into a temporary IPython profile's ``startup`` folder (see
``conftest.py``), so nbval's kernels run it before the first cell. Connections to this machine
(loopback, Unix sockets) still work: the course's own service and the kernel's channels use
them. Any other address raises at once, before a packet leaves, and the traceback points at the
notebook cell that tried.
"""

import ipaddress
import socket

_ALLOWED_NAMES = {None, "", "localhost", "localhost.localdomain", "ip6-localhost"}


def offline_check(address):
    """Raise ``OSError`` unless ``address`` is on this machine (loopback or a Unix socket path)."""
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if host in _ALLOWED_NAMES:
        return
    try:
        if ipaddress.ip_address(str(host).split("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    raise OSError(f"network access blocked: this notebook tried to reach {host!r}. The course "
                  "runs offline: load data from datasets/ and serve on 127.0.0.1 only.")


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def _guarded_connect(self, address):
    offline_check(address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    offline_check(address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    offline_check((host,))
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo
socket.offline_check = offline_check  # for the test that proves the guard is loaded
