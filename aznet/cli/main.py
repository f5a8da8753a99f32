"""``aznet``: up | status | env | az | verify | reset | export | import | vm | logs | expressroute."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    s = Settings()
    if getattr(args, "host", None):
        s.host = args.host
    if getattr(args, "port", None) is not None:
        s.port = args.port
    if getattr(args, "data_dir", None):
        s.data_dir = Path(args.data_dir).expanduser().resolve()
    if getattr(args, "dns_port", None) is not None:
        s.dns_port = args.dns_port
    if getattr(args, "lro_delay", None) is not None:
        s.lro_delay = args.lro_delay
    if getattr(args, "allow_remote", False):
        s.allow_remote = True
    for name in ("lb_workers", "appgw_workers", "frontdoor_workers"):
        if getattr(args, name, None) is not None:
            setattr(s, name, max(0, getattr(args, name)))
    return s


def cmd_up(args: argparse.Namespace) -> int:
    from ..server import RemoteNotAllowed, check_host, run
    from ..store.base import DataDirLocked
    from .state import write_state

    settings = _settings(args)
    try:
        check_host(settings)
    except RemoteNotAllowed as exc:
        print(f"aznet: {exc}", file=sys.stderr)
        return 2
    if not settings.is_loopback:
        bar = "!" * 78
        print(f"{bar}\n! WARNING: aznet will listen on {settings.host}, which is NOT a loopback address.\n"
              "! Other hosts can reach it, issue themselves tokens and change its state.\n"
              f"{bar}", file=sys.stderr, flush=True)

    def ready(server) -> None:  # type: ignore[no-untyped-def]
        write_state(settings, server.endpoints())
        print(f"aznet ready at {settings.endpoint}  (CA: {server.tls.ca_cert})", flush=True)
        for ep in server.endpoints()[1:]:
            print(f"  {ep['name']}: {ep['protocol']}://{ep['host']}:{ep['port']}", flush=True)
        print("  run `aznet env` for the client settings; Ctrl-C stops", flush=True)

    try:
        run(settings, ready)
    except DataDirLocked as exc:
        print(f"aznet: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"aznet: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Every aznet command: a closed pipe (``aznet status | head``) ends quietly, Ctrl-C ends with 130, and
    an unexpected error is one line on stderr (AZNET_DEBUG=1 shows the traceback), never a traceback dump."""
    try:
        return _main(argv)
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last resort: a clean line instead of a traceback
        if os.environ.get("AZNET_DEBUG"):
            raise
        print(f"aznet: error: {type(exc).__name__}: {exc} (AZNET_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def _quiet_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _main(argv: list[str] | None = None) -> int:
    from . import admin, azcli, expressroute, logs, vm

    parser = argparse.ArgumentParser(prog="aznet", description="Azure networking, running for real on one machine.")
    sub = parser.add_subparsers(dest="cmd", required=True)

    def common(p: argparse.ArgumentParser, server: bool = False) -> None:
        p.add_argument("--data-dir", help="state directory (default ~/.aznet or $AZNET_DATA_DIR)")
        if server:
            p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
            p.add_argument("--port", type=int, help="HTTPS port of the ARM endpoint (default 8443)")

    up = sub.add_parser("up", help="start aznet in the foreground")
    common(up, True)
    up.add_argument("--dns-port", type=int, help="DNS port (default 8053)")
    up.add_argument("--lro-delay", type=float, help="seconds a long-running operation stays InProgress")
    up.add_argument("--allow-remote", action="store_true",
                    help="allow a non-loopback --host (others on the network can then use aznet)")
    up.add_argument("--lb-workers", type=int, metavar="N",
                    help="load balancer relay worker processes sharing the frontends (SO_REUSEPORT; default 0 = "
                         "relay in the aznet process, or $AZNET_LB_WORKERS)")
    up.add_argument("--appgw-workers", type=int, metavar="N",
                    help="application gateway worker processes serving the frontends (SO_REUSEPORT) while the "
                         "aznet process compiles, probes and answers ARM (default 0 = serve in the aznet process, "
                         "or $AZNET_APPGW_WORKERS)")
    up.add_argument("--frontdoor-workers", type=int, metavar="N",
                    help="Front Door edge worker processes, each with its own cache (default 0 = serve in the "
                         "aznet process, or $AZNET_FRONTDOOR_WORKERS)")
    up.set_defaults(fn=cmd_up)

    st = sub.add_parser("status", help="endpoints and resources by type")
    common(st)
    st.add_argument("--json", action="store_true")
    st.set_defaults(fn=admin.cmd_status)

    env = sub.add_parser("env", help="print the shell exports a client needs")
    common(env)
    env.set_defaults(fn=admin.cmd_env)

    rs = sub.add_parser("reset", help="delete all state")
    common(rs)
    rs.set_defaults(fn=admin.cmd_reset)

    ex = sub.add_parser("export", help="write all state to a JSON file")
    common(ex)
    ex.add_argument("file")
    ex.set_defaults(fn=admin.cmd_export)

    im = sub.add_parser("import", help="replace all state with a JSON snapshot")
    common(im)
    im.add_argument("file")
    im.set_defaults(fn=admin.cmd_import)

    vm.add_parser(sub)
    logs.add_parser(sub)
    expressroute.add_parser(sub)

    az = sub.add_parser("az", help="run the Azure CLI against aznet", add_help=False)
    az.add_argument("az_args", nargs=argparse.REMAINDER)
    az.set_defaults(fn=azcli.cmd_az)

    vf = sub.add_parser("verify", help="Network Watcher questions, online or offline", add_help=False)
    vf.add_argument("verify_args", nargs=argparse.REMAINDER)
    vf.set_defaults(fn=cmd_verify)

    raw = list(sys.argv[1:] if argv is None else argv)
    if raw and raw[0] in ("az", "verify"):
        # everything after the sub-command belongs to the wrapped tool, --help and options included
        ns = argparse.Namespace(az_args=raw[1:], verify_args=raw[1:])
        return int((azcli.cmd_az if raw[0] == "az" else cmd_verify)(ns) or 0)
    args = parser.parse_args(raw)
    return int(args.fn(args) or 0)


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        from ..verifier.cli import main as verify_main
    except ImportError:
        print("aznet verify: the verifier is not available in this build", file=sys.stderr)
        return 2
    return int(verify_main(list(args.verify_args)) or 0)


if __name__ == "__main__":
    sys.exit(main())

