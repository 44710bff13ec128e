"""For tests of where requests go: a resolver that answers what a test says, a record of every
connection opened, and a small HTTP(S) server on 127.0.0.1 that records what reached it."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .local_server import LocalServer


class FakeDNS:
    """`socket.getaddrinfo` for the names a test gives (other names as the system answers).

    `dns["api.example"] = ["93.184.216.34"]` answers that every time; `dns.answers("api.example",
    [public], [loopback])` answers each list in turn, then the last again: a name that changes
    what it resolves to. `lookups` lists each name asked, in order.
    """

    def __init__(self, real):
        self.real = real
        self.turns: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []

    def __setitem__(self, name: str, addresses: list[str]) -> None:
        self.answers(name, addresses)

    def answers(self, name: str, *turns: list[str]) -> None:
        self.turns[name] = list(turns)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.turns:
            return self.real(host, port, family, type, proto, flags)
        self.lookups.append(name)
        turns = self.turns[name]
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_info(address, int(port or 0)) for address in addresses]


def _info(address: str, port: int):
    if ipaddress.ip_address(address).version == 6:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


@dataclass
class Seen:
    path: str
    host: str  # the Host header
    server_name: str | None  # what TLS's SNI named (None over plain http)


class RecordingServer(LocalServer):
    """Answers every GET with `{"ok": true}` and records it; with `tls_name`, over TLS with a
    certificate for that name (`ca_file` is the certificate to trust)."""

    def __init__(self, *, tls_name: str | None = None, folder: Path | None = None):
        self.seen: list[Seen] = []
        self.server_names: list[str | None] = []
        self.ca_file: str | None = None
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                name = recorder.server_names[-1] if recorder.server_names else None
                recorder.seen.append(Seen(self.path, self.headers.get("Host", ""), name))
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(Handler)
        if tls_name:
            self.ca_file, context = _tls_context(tls_name, folder)
            context.sni_callback = lambda sock, name, ctx: recorder.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)


def _tls_context(name: str, folder: Path) -> tuple[str, ssl.SSLContext]:
    """A self-signed certificate for `name` (its own CA), and a server context that presents it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return str(cert_file), context
