# Shared set-up steps for scripts/up and scripts/test (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
say() { printf '==> %s\n' "$*" >&2; }

apt_install() {
  # Installs the Debian packages named, only those missing.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_python() {
  if ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "aznet needs Python 3.11 or newer" >&2; exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
      apt_install python3-venv python3-pip
    fi
    say "creating .venv"
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  fi
}

install_aznet() {
  # pip install -e ".[EXTRAS]" into .venv, skipped when pyproject.toml and the extras are unchanged since the
  # last install (a stamp in .venv), so a second run with nothing changed takes no time.
  local extras=$1 stamp=.venv/.aznet-installed want
  want="$(sha256sum pyproject.toml | cut -c1-64) $extras"
  if [ -f "$stamp" ] && grep -qxF "$want" "$stamp"; then return 0; fi
  say "installing aznet and its Python packages into .venv (.[${extras}]): a minute or two the first time"
  .venv/bin/pip install -q -e ".[${extras}]" 2>&1 | grep -v '^WARNING: Location' >&2 || true
  .venv/bin/python -c 'import aznet, azure.identity' || { echo "installing aznet failed" >&2; exit 1; }
  say "compiling the SDK-model schema cache"
  .venv/bin/python -m aznet.arm.schema >/dev/null
  printf '%s\n' "$want" >"$stamp"
}

ensure_azure_cli() {
  # The Azure CLI in its own venv (.venv-az), used by `aznet az` and the tests.
  if [ -x .venv-az/bin/az ]; then return 0; fi
  say "installing the Azure CLI into .venv-az (one time; it is large: a few minutes on a cold pip cache)"
  python3 -m venv .venv-az
  .venv-az/bin/pip install -q --upgrade pip >/dev/null
  .venv-az/bin/pip install -q azure-cli 2>&1 | grep -v '^WARNING: Location' >&2 || true
  [ -x .venv-az/bin/az ] || { echo "installing the Azure CLI failed" >&2; exit 1; }
  say "Azure CLI installed: $(.venv-az/bin/az version --query '"azure-cli"' -o tsv 2>/dev/null)"
}
