"""The Debian packages, built by dpkg-buildpackage from a clean copy of the
repository, installed into this machine with apt-get, run by Debian's own
Prosody and ejabberd started as their packages start them, and purged: the
push arrives at the vendor mock, and the system is as it was before."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.component.component_process import NudgeComponent
from tests.ejabberd.ejabberd_env import EJABBERD, USERS
from tests.packages import system_lock
from tests.packages.package_build import PACKAGES, REPO
from tests.packages.system_ejabberd import SystemEjabberd
from tests.packages.system_prosody import SystemProsody
from tests.packages.system_state import differences, snapshot
from tests.prosody.prosody_env import PROSODY
from tests.support.devices import ApnsDevice
from tests.support.push_steps import JULIET, ServerKind, offline, pushes_until, run
from tests.support.vendor_backends import apns_backend

MULTIARCH = "/usr/lib/x86_64-linux-gnu"
# What each package must hold, where Debian's loaders look: ld.so, Lua's
# package.cpath, Prosody's own module directory, ejabberdctl's ERL_LIBS; and
# the samples where Debian's packages keep theirs.
EXPECTED = {
    "libnudge0": [f"{MULTIARCH}/libnudge.so.0", f"{MULTIARCH}/libnudge.so.0.1.0"],
    "libnudge-dev": ["/usr/include/nudge.h", f"{MULTIARCH}/libnudge.so", f"{MULTIARCH}/pkgconfig/nudge.pc"],
    "prosody-mod-nudge": [f"{MULTIARCH}/lua/5.4/nudge.so", "/usr/lib/prosody/modules/mod_nudge.lua",
                          "/usr/lib/prosody/modules/mod_nudge/config.lib.lua"],
    "ejabberd-mod-nudge": [f"{MULTIARCH}/nudge-0.1.0/ebin/mod_nudge.beam",
                           f"{MULTIARCH}/nudge-0.1.0/priv/lib/nudge_nif.so",
                           "/usr/share/doc/ejabberd-mod-nudge/conf/mod_nudge.yml"],
    "nudge-component": ["/usr/bin/nudge-component", "/lib/systemd/system/nudge-component.service",
                        "/usr/lib/sysusers.d/nudge-component.conf",
                        "/usr/share/doc/nudge-component/examples/component.sample.json"],
}
APT_TIMEOUT_S = 600


def contents(deb: Path) -> list[str]:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    return [line.split(None, 5)[5].split(" -> ")[0].lstrip(".") for line in listing.splitlines()]


def dynamic_section(path: Path) -> str:
    return subprocess.run(["readelf", "-d", str(path)], check=True, capture_output=True, text=True).stdout


def test_each_package_holds_its_files_where_debian_looks(debs, tmp_path):
    for package, deb in debs.items():
        files = contents(deb)
        for expected in EXPECTED[package]:
            assert expected in files, f"{package} lacks {expected}: {files}"


def test_the_ejabberd_sample_is_the_guides_configuration(debs, tmp_path):
    """What the package ships is the file bindings/ejabberd/README.md writes (tests/docs checks that side)."""
    subprocess.run(["dpkg-deb", "-x", str(debs["ejabberd-mod-nudge"]), str(tmp_path)], check=True)
    shipped = tmp_path / "usr/share/doc/ejabberd-mod-nudge/conf/mod_nudge.yml"
    assert shipped.read_text() == (REPO / "bindings/ejabberd/conf/mod_nudge.yml").read_text()


def test_no_binary_searches_the_build_tree(debs, tmp_path):
    """Every ELF file loads libnudge.so.0 from the system's path: no RUNPATH
    or RPATH at all (the build tree would be searched first otherwise)."""
    elves = 0
    for package, deb in debs.items():
        root = tmp_path / package
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink() and path.read_bytes()[:4] == b"\x7fELF":
                elves += 1
                section = dynamic_section(path)
                assert "RUNPATH" not in section and "RPATH" not in section, f"{path}:\n{section}"
                if path.name != "libnudge.so.0.1.0":
                    assert "[libnudge.so.0]" in section, f"{path} does not link libnudge.so.0:\n{section}"
    assert elves == 4   # the library, the Lua C module, the NIF, the component


def test_dependencies_come_from_the_library_and_the_servers(debs):
    fields = {p: subprocess.run(["dpkg-deb", "-f", str(d), "Depends"], check=True, capture_output=True,
                                text=True).stdout for p, d in debs.items()}
    for package in ("prosody-mod-nudge", "ejabberd-mod-nudge", "nudge-component"):
        assert "libnudge0 (>= 0.1.0)" in fields[package], fields[package]   # dh_shlibdeps, from the symbols file
    assert "liblmdb0" in fields["libnudge0"] and "libcurl4" in fields["libnudge0"], fields["libnudge0"]
    assert "prosody" in fields["prosody-mod-nudge"] and "lua5.4" in fields["prosody-mod-nudge"]
    assert re.search(r"ejabberd \(>= 23\.01\)", fields["ejabberd-mod-nudge"]), fields["ejabberd-mod-nudge"]


def apt(*args: str) -> None:
    done = subprocess.run(["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", *args], capture_output=True,
                          text=True, timeout=APT_TIMEOUT_S, env={"DEBIAN_FRONTEND": "noninteractive",
                                                                 "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    assert done.returncode == 0, f"apt-get {' '.join(args)}:\n{done.stdout[-4000:]}{done.stderr}"


async def push_arrives(server, kind: ServerKind, device) -> None:
    """Juliet registers her phone and enables push, her session hibernates,
    Romeo writes to her: her phone gets the push, and the engine counts it."""
    a, b = await kind.enabled_and_pending(server, device)
    b.say(JULIET, "Wherefore art thou?")
    await pushes_until(device, lambda pushes: len(pushes) >= 1 and pushes[0].ok, "the push")
    await offline(b)
    await kind.stats_until(server, lambda stats: stats["deliveries"] >= 1, "the delivery counted")


def component_connects(prosody: SystemProsody, mock, directory: Path) -> None:
    """The installed nudge-component, started directly (no systemd here to
    run its unit), connects to the system's Prosody as a component."""
    component = NudgeComponent(directory, server_port=prosody.component_port, binary=Path("/usr/bin/nudge-component"),
                               component={"domain": "apps.example.net"}, backends=[apns_backend(mock)])
    try:
        component.start()
        component.wait_for_log(r"connected to .* as apps\.example\.net", 30)
    finally:
        component.stop()


def unit_verifies() -> None:
    """systemd-analyze verify accepts the installed unit (when systemd-analyze is there)."""
    if not shutil.which("systemd-analyze"):
        return
    done = subprocess.run(["systemd-analyze", "verify", "/lib/systemd/system/nudge-component.service"],
                          capture_output=True, text=True, timeout=60)
    # Without a running systemd, verify still parses the unit; what must not
    # appear is a complaint about the unit itself.
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if "nudge-component.service" in line]
    assert not complaints, "\n".join(complaints)


def test_installed_packages_push_with_the_system_servers_and_purge_clean(debs, readable_apns_mock, tmp_path):
    with system_lock.held():
        before = snapshot()
        assert not any(before["packages"][p].startswith("install ok") for p in PACKAGES), \
            f"the packages are installed already: {before['packages']}"
        prosody = ejabberd = None
        try:
            apt("install", *[str(debs[p]) for p in PACKAGES])
            user = subprocess.run(["getent", "passwd", "nudge-component"], capture_output=True, text=True)
            assert user.returncode == 0 and user.stdout.strip().endswith(":/usr/sbin/nologin"), user.stdout
            unit_verifies()

            prosody = SystemProsody(readable_apns_mock)
            prosody.start(external_components={"apps.example.net": "component-secret"})
            prosody.register(USERS)
            run(push_arrives(prosody, PROSODY, ApnsDevice(readable_apns_mock)))
            component_connects(prosody, readable_apns_mock, tmp_path / "component")
            prosody.stop()

            ejabberd = SystemEjabberd(readable_apns_mock)
            ejabberd.start()
            ejabberd.register(USERS)
            run(push_arrives(ejabberd, EJABBERD, ApnsDevice(readable_apns_mock)))
            ejabberd.clean()
        finally:
            for server in (prosody, ejabberd):
                if server is not None:
                    server.stop()
                    server.clean()
            apt("purge", *PACKAGES)
        after = snapshot()
        assert not differences(before, after), "\n".join(differences(before, after))
