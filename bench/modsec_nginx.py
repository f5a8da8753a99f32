"""nginx + ModSecurity v3 + OWASP CRS (Debian packages) on loopback, for the WAF comparisons.

Needs `apt-get install nginx libnginx-mod-http-modsecurity modsecurity-crs`. Configuration: Debian's
/etc/nginx/modsecurity.conf (the ModSecurity recommended settings), then the paranoia level and
engine mode asked for, then the package's crs-setup.conf and every CRS rule file — the same files
aznet's engine loads. Matched rules are read back from nginx's error log (`[id "NNN"]`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

MODULE = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so"


def available() -> str | None:
    """None when nginx + ModSecurity + CRS are installed, else what is missing."""
    if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
        return "nginx"
    if not os.path.exists(MODULE):
        return "libnginx-mod-http-modsecurity"
    if not os.path.exists("/usr/share/modsecurity-crs/rules/REQUEST-901-INITIALIZATION.conf"):
        return "modsecurity-crs"
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ModSecNginx:
    def __init__(self, paranoia: int, engine: str = "DetectionOnly", backend: str | list[str] | None = None,
                 workers: int = 1, host: str = "127.0.0.1", port: int | None = None,
                 log_level: str = "info") -> None:
        self.dir = tempfile.mkdtemp(prefix="aznet-modsec-")
        self.host, self.port = host, port or free_port(host)
        self.error_log = os.path.join(self.dir, "error.log")
        www = os.path.join(self.dir, "www")
        os.makedirs(www)
        with open(os.path.join(www, "index.html"), "w") as fh:
            fh.write("ok\n")
        rules = os.path.join(self.dir, "modsec.conf")
        with open(rules, "w") as fh:
            fh.write(
                "Include /etc/nginx/modsecurity.conf\n"
                f"SecRuleEngine {engine}\n"
                "SecAuditEngine Off\n"
                f"SecTmpDir {self.dir}\nSecDataDir {self.dir}\n"
                f'SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level={paranoia}"\n'
                "Include /etc/modsecurity/crs/crs-setup.conf\n"
                "Include /usr/share/modsecurity-crs/rules/*.conf\n")
        # backend: "host:port" or a list of them (round robin, keep-alive connections to them, as a proxy runs)
        backends = [backend] if isinstance(backend, str) else list(backend or [])
        servers = " ".join(f"server {b};" for b in backends)
        upstream = f"upstream backend {{ {servers} keepalive 64; }}" if backends else ""
        content = ('proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";'
                   if backends else f"root {www}; try_files /index.html =404;")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as fh:
            fh.write(f"""
load_module {MODULE};
worker_processes {workers};
pid {self.dir}/nginx.pid;
error_log {self.error_log} {log_level};
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy;
  fastcgi_temp_path {self.dir}/fcgi; uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
  client_max_body_size 20m;
  {upstream}
  server {{
    listen {self.host}:{self.port} reuseport;
    modsecurity on;
    modsecurity_rules_file {rules};
    location / {{ {content} }}
  }}
}}
""")
        self.conf = conf
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-c", self.conf, "-p", self.dir, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nginx exited: {open(self.error_log).read()[-2000:]}") from None
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ModSecNginx:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def send_raw(host: str, port: int, raw: bytes, timeout: float = 3.0) -> int | None:
    """Send raw request bytes; return the response status (None on no/garbled response)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip() or 0)
            while len(body) < length:
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
        except (TimeoutError, OSError):
            pass
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None
