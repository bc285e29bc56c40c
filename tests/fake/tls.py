"""HTTPS for the fake, as the functions meet AWS: a test CA and a server certificate for 127.0.0.1
and localhost (IP and DNS subject alternative names) signed by it, made once with the `openssl`
command into a folder and reused after. A function trusts the CA through SSL_CERT_FILE=<ca.pem>,
so its TLS handshakes and connection reuse cost what they cost against AWS."""
from __future__ import annotations

import os
import ssl
import subprocess
import tempfile
from pathlib import Path

FILES = ("ca.pem", "server.pem", "server.key")
SERVER_EXTENSIONS = ("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n"
                     "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")


def openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ensure(folder: str | Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) in `folder`, made there if any is missing.
    They are made in a scratch folder beside them and moved in, so a reader never sees half a set."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    paths = tuple(folder / name for name in FILES)
    if all(p.is_file() for p in paths):
        return paths
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
        openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
                "-subj", "/CN=amiflow test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=scratch)
        openssl("req", *curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=scratch)
        Path(scratch, "server.ext").write_text(SERVER_EXTENSIONS)
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "825", "-sha256", "-extfile", "server.ext", cwd=scratch)
        for name in FILES:
            os.replace(Path(scratch, name), folder / name)
    return paths


def server_context(folder: str | Path) -> tuple[ssl.SSLContext, Path]:
    """The server side's TLS context, and the CA file a client should trust."""
    ca, cert, key = ensure(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, ca
