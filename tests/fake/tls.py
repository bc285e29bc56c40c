"""HTTPS for the fake, as the functions meet AWS: a test root CA, an intermediate, and a server
certificate for 127.0.0.1 and localhost (IP and DNS subject alternative names), RSA 2048 as AWS's
are, made once with the `openssl` command into a folder and reused after. A function trusts the CA through SSL_CERT_FILE=<ca.pem>
(or `trust_file`: the machine's roots beside it, as many as a client parses on Lambda), so its TLS
handshakes and connection reuse cost what they cost against AWS."""
from __future__ import annotations

import os
import ssl
import subprocess
import tempfile
from pathlib import Path

FILES = ("ca.pem", "server.pem", "server.key")
# The chain AWS endpoints present: an RSA 2048 leaf signed by an RSA 2048 intermediate, signed by an
# RSA 2048 root that clients trust. A folder made before (one EC key, no intermediate) is made anew.
MARKER = "rsa-2048-chain"
SERVER_EXTENSIONS = ("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n"
                     "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
INTERMEDIATE_EXTENSIONS = "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"


def openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ensure(folder: str | Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate chain, server key) in `folder`, made there if any is
    missing. They are made in a scratch folder beside them and moved in, so a reader never sees
    half a set; server.pem holds the leaf and the intermediate, as a server sends them."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    paths = tuple(folder / name for name in FILES)
    if all(p.is_file() for p in paths) and (folder / MARKER).is_file():
        return paths
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        key = ("-newkey", "rsa:2048", "-nodes")
        openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
                "-subj", "/CN=amiflow test root CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=scratch)
        openssl("req", *key, "-keyout", "intermediate.key", "-out", "intermediate.csr",
                "-subj", "/CN=amiflow test intermediate CA", cwd=scratch)
        Path(scratch, "intermediate.ext").write_text(INTERMEDIATE_EXTENSIONS)
        openssl("x509", "-req", "-in", "intermediate.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "intermediate.pem", "-days", "3650", "-sha256", "-extfile", "intermediate.ext", cwd=scratch)
        openssl("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=scratch)
        Path(scratch, "server.ext").write_text(SERVER_EXTENSIONS)
        openssl("x509", "-req", "-in", "server.csr", "-CA", "intermediate.pem", "-CAkey", "intermediate.key",
                "-CAcreateserial", "-out", "leaf.pem", "-days", "825", "-sha256", "-extfile", "server.ext", cwd=scratch)
        Path(scratch, "server.pem").write_text(Path(scratch, "leaf.pem").read_text()
                                               + Path(scratch, "intermediate.pem").read_text())
        for name in FILES:
            os.replace(Path(scratch, name), folder / name)
        (folder / MARKER).write_text("leaf and intermediate in server.pem, RSA 2048 throughout\n")
    return paths


def system_roots() -> Path | None:
    """The machine's bundle of root certificates (PEM), where OpenSSL looks for it."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt",
                      "/etc/pki/tls/certs/ca-bundle.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def trust_file(folder: str | Path) -> tuple[Path, int]:
    """A PEM file for a client's SSL_CERT_FILE: the machine's root certificates and the test CA, so
    the client parses as many roots as it does on Lambda (whose image holds about 150), not one.
    Returns the file and how many of the machine's roots it holds."""
    ca, _, _ = ensure(folder)
    roots = system_roots()
    text = roots.read_text(errors="replace") if roots else ""
    count = text.count("-----BEGIN CERTIFICATE-----")
    target = Path(folder).resolve() / "trust.pem"
    scratch = target.with_suffix(f".{os.getpid()}.tmp")
    scratch.write_text(text + ("" if text.endswith("\n") or not text else "\n") + ca.read_text())
    os.replace(scratch, target)
    return target, count


def server_context(folder: str | Path, tickets: int = 2) -> tuple[ssl.SSLContext, Path]:
    """The server side's TLS context, and the CA file a client should trust. `tickets`: TLS 1.3
    session tickets sent after each handshake (OpenSSL's default, 2; 0: no resumption)."""
    ca, cert, key = ensure(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.num_tickets = tickets
    return context, ca
