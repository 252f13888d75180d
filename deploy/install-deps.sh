#!/usr/bin/env bash
# Installs the Debian 12 packages mentorwatch needs to build, test, run and benchmark.
# Only what is missing is installed; nothing is done (and no network is used) when all is there.
# Then the browser test's npm packages (tests/browser, `npm ci`), again only when missing or
# when package-lock.json changed.
# Usage: deploy/install-deps.sh [--no-npm]   (as root, or as a user with sudo)
#   --no-npm   Debian packages only (deploy/demo.sh: the demo needs no browser test)
set -euo pipefail

# The one list. Add a package here, on its own line, with the reason when it is not obvious.
MW_DEB_PACKAGES=(
    build-essential
    cmake
    pkg-config
    clang-format
    libevent-dev
    libpq-dev
    libcjson-dev
    libcurl4-openssl-dev
    libgumbo-dev       # checker: HTML5 parsing
    libuchardet-dev    # checker: character set guessing
    libxlsxwriter-dev  # collector: XLSX exports of the KPI tables
    libssl-dev
    libcriterion-dev
    postgresql
    postgresql-contrib
    nginx-light
    curl
    ca-certificates
    python3    # tests' fake servers
    valgrind   # tests/run.sh's memcheck pass
    unzip      # KPI export tests read the XLSX sheets
    wrk        # benchmarks
    hyperfine  # benchmarks
    nodejs     # tests/browser: the dashboard's end-to-end test (playwright-core)
    npm        # tests/browser: npm ci
    chromium   # tests/browser: the headless browser
)

npm_step=1
case "${1:-}" in
--no-npm) npm_step=0 ;;
"") ;;
*)
    sed -n '6,7p' "$0" >&2
    exit 2
    ;;
esac

# Installed, or provided by an installed package (nodejs from another source provides npm).
installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]] ||
        dpkg-query -W -f='${db:Status-Abbrev} ${Provides}\n' 2>/dev/null |
        awk -v p="$1" '$1 == "ii" { for (i = 2; i <= NF; i++) { gsub(/[(),]/, "", $i); if ($i == p) f = 1 } }
            END { exit !f }'
}

missing=()
for pkg in "${MW_DEB_PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

sudo=()
if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
fi

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#MW_DEB_PACKAGES[@]} packages present"
else
    if [[ "$(id -u)" -ne 0 && ${#sudo[@]} -eq 0 ]]; then
        echo "install-deps: missing packages (${missing[*]}) and not root, no sudo" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

# tests/browser's npm packages (playwright-core; the browser is Debian's chromium, so npm
# downloads no browser). A stamp of package-lock.json's hash skips `npm ci` when it is current.
if ((npm_step)); then
    browser_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/browser" && pwd)
    stamp=$browser_dir/node_modules/.mw-package-lock.sha256
    lock_sum=$(sha256sum "$browser_dir/package-lock.json" | cut -c1-64)
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]]; then
        echo "install-deps: tests/browser npm packages present"
    else
        echo "install-deps: npm ci in tests/browser"
        (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
        echo "$lock_sum" >"$stamp"
    fi
fi
