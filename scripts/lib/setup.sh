# Shared by scripts/test and scripts/demo: installs what Nudge needs on
# Debian 12, and nothing that is already there, so running twice is cheap.

DEBIAN_PACKAGES=(make gcc pkg-config liblmdb-dev libexpat1-dev libssl-dev libcurl4-openssl-dev libpq-dev lua5.4 liblua5.4-dev prosody)
# What only the tests need: the ejabberd binding (NIF headers, eunit),
# nudge-component (jansson), mod_cloud_notify for the comparison,
# Debian's packaging tools for tests/packages (dpkg-buildpackage, dh),
# iproute2 for tests/docs (its overlay brings up loopback in a network
# namespace of its own), and clang-14 with its libFuzzer and sanitizer
# runtimes for fuzz/, and PostgreSQL 15 (initdb, pg_ctl) for the
# PostgreSQL store's tests (tests/support/postgres.py).
TEST_PACKAGES=(prosody-modules ejabberd erlang-dev erlang-eunit libjansson-dev debhelper dpkg-dev build-essential iproute2 clang-14 libclang-rt-14-dev postgresql)

install_debian_packages() {
    local missing=()
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "== installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Swift is not a Debian package: use the toolchain on PATH, or the one in
# /opt/swift where swift.org's tarball is usually unpacked.
find_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "Swift 6.1 or newer is needed: unpack the toolchain from swift.org into /opt/swift (or put swift on PATH)." >&2
        exit 1
    fi
}

# The Python side of the tests (vendor mocks, the ctypes host, the HTTP/2
# test server) lives in .venv; it is rebuilt only when a requirements file
# changes.
setup_venv() {
    local requirements=(tests/requirements.txt tests/mocks/requirements.txt tests/prosody/requirements.txt)
    if [ ! -x .venv/bin/python ]; then
        if ! python3 -m venv .venv >/dev/null 2>&1; then
            rm -rf .venv
            DEBIAN_PACKAGES=(python3-venv)
            install_debian_packages
            python3 -m venv .venv
        fi
    fi
    local stamp
    stamp=$(cat "${requirements[@]}" | sha256sum | cut -d' ' -f1)
    if [ "$(cat .venv/.requirements 2>/dev/null)" != "$stamp" ]; then
        echo "== installing Python test packages into .venv"
        .venv/bin/pip install -q --disable-pip-version-check $(printf -- '-r %s ' "${requirements[@]}")
        echo "$stamp" > .venv/.requirements
    fi
}

setup() {
    install_debian_packages
    find_swift
}
