"""`make -C bindings/ejabberd install` puts mod_nudge where Debian's
ejabberdctl finds it: an application directory under ERL_LIBS
(/usr/lib/x86_64-linux-gnu). Installed into a staging root (DESTDIR) here,
and ejabberd started with that root's directory in ERL_LIBS and nothing on
-pa, so only the installed copy can load."""

import subprocess

from tests.ejabberd.ejabberd_env import BINDING, DOMAIN, USERS, modules, nudge_options
from tests.support.ejabberd_server import ERL_LIBS, EjabberdServer


def test_the_installed_module_loads_from_erl_libs(tmp_path, apns_mock):
    stage = tmp_path / "stage"
    result = subprocess.run(["make", "-C", str(BINDING), "install", f"DESTDIR={stage}"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    libs = stage / ERL_LIBS.lstrip("/")
    app = libs / "nudge-0.1.0"
    assert (app / "ebin" / "mod_nudge.beam").is_file()
    assert (app / "priv" / "lib" / "nudge_nif.so").is_file()

    server = EjabberdServer(tmp_path / "ejabberd", hosts=[DOMAIN], users=USERS,
                            modules=modules(nudge_options(apns_mock)), env={"ERL_LIBS": f"{ERL_LIBS}:{libs}"})
    try:
        server.start()
        server.wait_for_log(r"Push engine .* open", 10)
        code, output = server.rpc_eval("code:which(mod_nudge)")
        assert code == 0 and str(app) in output, output
    finally:
        server.stop()
