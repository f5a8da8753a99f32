"""Loading the OWASP Core Rule Set as data, from the Debian ``modsecurity-crs`` package.

The rule files are read at run time from ``AZNET_CRS_DIR`` (default: Debian's
``/usr/share/modsecurity-crs/rules``) and pinned by version: the files must carry
``SecComponentSignature "OWASP_CRS/3.3.4"``. Nothing is retyped: rules, data files
(``@pmFromFile``) and the package's ``crs-setup.conf`` defaults are parsed as shipped.

``python -m aznet.dataplane.waf.crs`` prints what was loaded and which regexes needed the
``regex`` module or are not prefiltered by Hyperscan.
"""

from __future__ import annotations

import functools
import glob
import os
import sys
from dataclasses import dataclass

from .rules import RuleCompiler, RuleSet

CRS_VERSION = "3.3.4"
DEFAULT_RULES_DIR = "/usr/share/modsecurity-crs/rules"
DEFAULT_SETUP = "/etc/modsecurity/crs/crs-setup.conf"
# What crs-setup.conf sets when the package's copy is absent (the same two lines Debian ships).
FALLBACK_SETUP = 'SecDefaultAction "phase:1,log,auditlog,pass"\nSecDefaultAction "phase:2,log,auditlog,pass"\n'


class CrsNotFound(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class CrsSource:
    rules_dir: str
    setup_file: str | None
    version: str


def locate() -> CrsSource:
    rules_dir = os.environ.get("AZNET_CRS_DIR", DEFAULT_RULES_DIR)
    init = os.path.join(rules_dir, "REQUEST-901-INITIALIZATION.conf")
    if not os.path.exists(init):
        raise CrsNotFound(f"OWASP CRS not found in {rules_dir} (install the Debian package modsecurity-crs "
                          f"{CRS_VERSION} or set AZNET_CRS_DIR)")
    with open(init, encoding="latin-1") as fh:
        text = fh.read()
    version = ""
    for line in text.splitlines():
        if line.startswith("SecComponentSignature"):
            version = line.split('"')[1].split("/")[-1]
    if version != CRS_VERSION:
        raise CrsNotFound(f"OWASP CRS in {rules_dir} is {version or 'unknown'}; aznet pins {CRS_VERSION}")
    setup = os.environ.get("AZNET_CRS_SETUP", DEFAULT_SETUP)
    return CrsSource(rules_dir, setup if os.path.exists(setup) else None, version)


def rule_files(src: CrsSource, include_response: bool = True) -> list[str]:
    files = sorted(glob.glob(os.path.join(src.rules_dir, "*.conf")))
    if not include_response:
        files = [f for f in files if os.path.basename(f).startswith("REQUEST-")]
    return files


@functools.lru_cache(maxsize=4)
def load(include_response: bool = True, extra: tuple[tuple[str, str], ...] = ()) -> RuleSet:
    """The CRS rule set, compiled once per process (callers never change it: per-policy choices
    go through the transaction's Settings). ``extra`` rule texts go just before the blocking
    evaluation (REQUEST-949), so their anomaly scores count."""
    src = locate()
    comp = RuleCompiler(src.rules_dir)
    if src.setup_file:
        comp.add_file(src.setup_file)
    else:
        comp.add_text(FALLBACK_SETUP, "crs-setup.conf")
    for path in rule_files(src, include_response):
        if os.path.basename(path).startswith("REQUEST-949"):
            for name, text in extra:
                comp.add_text(text, name)
        comp.add_file(path)
    return comp.finish()


def main(argv: list[str]) -> int:
    from .prefilter import Prefilter
    rs = load()
    rules = rs.rules()
    print(f"CRS {locate().version}: {len(rules)} rules")
    pf = Prefilter(rs)
    if "--fallbacks" in argv:
        for rid, engine in sorted(pf.regex_module_rules().items()):
            print(f"  {rid}: regex compiled by {engine}")
        for rid, why in sorted(pf.unfiltered.items()):
            print(f"  {rid}: not prefiltered ({why})")
    print(f"prefiltered rules: {len(pf.gated)}; always evaluated: {len(pf.unfiltered)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
