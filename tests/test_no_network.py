"""The suite's network guard (tests/conftest.py): the internet is refused, this machine is not."""

from __future__ import annotations

import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests


def test_a_live_request_fails_with_a_clear_message():
    with pytest.raises(requests.ConnectionError, match=r"live network call to 'example\.com'"):
        requests.get("http://example.com", timeout=5)


def test_urllib_and_raw_sockets_are_refused_too():
    with pytest.raises(OSError, match="tests must not use the internet"):
        urllib.request.urlopen("https://example.com", timeout=5)  # noqa: S310
    with pytest.raises(ConnectionRefusedError, match="'example.com' blocked"):
        socket.create_connection(("example.com", 80), timeout=5)
    with pytest.raises(ConnectionRefusedError, match="'93.184.215.14' blocked"):
        socket.create_connection(("93.184.215.14", 80), timeout=5)
    with pytest.raises(ConnectionRefusedError, match="'example.com' blocked"):
        socket.gethostbyname("example.com")


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = b"hello from this machine"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_local_server_still_answers(host):
    server = HTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = requests.get(f"http://{host}:{server.server_port}/", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert answer.text == "hello from this machine"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.1.2.3", "::1", None])
def test_this_machine_can_be_looked_up(host):
    assert socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)


@pytest.mark.parametrize("host", ["example.com", "10.0.0.1", "8.8.8.8", "2001:db8::1"])
def test_other_hosts_cannot(host):
    with pytest.raises(ConnectionRefusedError, match="tests must not use the internet"):
        socket.getaddrinfo(host, 80)
