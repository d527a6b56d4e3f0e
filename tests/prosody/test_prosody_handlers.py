"""Another module's handler that fails loses nothing of mod_nudge's: the
engine's events are routed with module:send, which runs every module's
handlers inside mod_nudge's drain. An error while one stanza is routed is
logged once, with its traceback, and the rest of the batch is routed."""

import asyncio
import secrets

from tests.prosody.harness import HERE, PLUGIN_DIR
from tests.prosody.prosody_env import PASSWORD, admin
from tests.support.push_steps import DEADLINE_S, JULIET, online, run
from tests.support.xmpp import AppServer, Client


def test_a_failing_handler_loses_one_publish_and_the_next_is_still_answered(prosody, apns_mock):
    # A remote app server (an XEP-0114 component), on whose host
    # mod_test_thrower fails on the first publish routed to it.
    apps, apps_secret = "apps.example.net", secrets.token_hex(8)
    server = prosody(external_components={apps: apps_secret}, plugin_paths=[PLUGIN_DIR, HERE / "modules"],
                     external_component_options={apps: {"modules_enabled": ["test_thrower"],
                                                        "test_throw_on": "pubsub"}})

    async def scenario():
        app = AppServer(apps, apps_secret)
        await app.online(server.component_port)
        # Two of Juliet's devices, each enabled at the app server.
        for resource in ("phone", "tablet"):
            client = Client(f"{JULIET}/{resource}", PASSWORD)
            await online(server, client)
            await client.enable(apps, f"node-{resource}", "node-secret")
            await client.offline()
        # One test push per enablement: two publishes, routed in one drain.
        reply = await asyncio.to_thread(admin, server, f"nudge:test_push('{JULIET}')")
        assert reply["queued"] == 2, reply
        await app.until(lambda: app.publishes, "the publish after the failing one")
        await asyncio.to_thread(server.wait_for_log, r"Error while handling an engine stanza event .*"
                                r"mod_test_thrower fails on purpose", DEADLINE_S)
        assert len(app.publishes) == 1, "the first publish is the one the failing handler lost"
        app.disconnect()

    run(scenario())
    log = server.log_text()
    assert log.count("mod_test_thrower fails on purpose") == 1, "logged once"
    assert "stack traceback" in log.split("mod_test_thrower fails on purpose", 1)[1][:2000]
