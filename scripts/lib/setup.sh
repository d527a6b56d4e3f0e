# Shared by scripts/test and scripts/demo: installs what Nudge needs on
# Debian 12, and nothing that is already there, so running twice is cheap.

DEBIAN_PACKAGES=(make gcc pkg-config liblmdb-dev libexpat1-dev libssl-dev libcurl4-openssl-dev)

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

setup() {
    install_debian_packages
    find_swift
}
