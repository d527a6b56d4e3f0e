%%%----------------------------------------------------------------------
%%% mod_nudge_doc: mod_nudge's documentation, as mod_doc/0 returns it
%%% (ejabberdctl man, the web admin, ejabberd's documentation generator).
%%%----------------------------------------------------------------------
-module(mod_nudge_doc).

-export([doc/0]).

-include("translate.hrl").

doc() ->
    #{desc =>
          [?T("XEP-0357 push notifications through libnudge, an embeddable "
              "push engine. It serves both halves of XEP-0357: the server side "
              "(enable/disable, pending stream management sessions, what "
              "deserves a push, coalescing) and, with 'backends', the app "
              "server that talks to APNs, FCM, Web Push, WNS and Ubuntu Push. "
              "Every virtual host that loads the module shares one engine and "
              "one store; options must agree between them."), "",
           ?T("Give either 'config_file' (the engine's whole JSON "
              "configuration) or the native options below, each of which is "
              "one key of that configuration. Do not load _`mod_push`_ or "
              "_`mod_push_keepalive`_ next to it.")],
      opts =>
          [{config_file,
            #{value => ?T("Path"),
              desc => ?T("The engine's whole configuration as a JSON file. "
                         "'server.domains' defaults to the hosts that load the "
                         "module. Not allowed together with native options.")}},
           {store_path,
            #{value => ?T("Path"),
              desc => ?T("'store.path': the engine's LMDB directory. Relative "
                         "paths are under ejabberd's spool directory. The "
                         "default is 'nudge' there.")}},
           {include_senders, #{value => "true | false", desc => ?T("'server.include_senders'.")}},
           {include_message_count, #{value => "true | false", desc => ?T("'server.include_message_count'.")}},
           {include_subscription_count,
            #{value => "true | false", desc => ?T("'server.include_subscription_count'.")}},
           {include_message_bodies, #{value => "true | false", desc => ?T("'server.include_message_bodies'.")}},
           {notify_on, #{value => "important | all", desc => ?T("'server.notify_on'.")}},
           {max_registrations_per_user,
            #{value => "pos_integer()", desc => ?T("'server.max_registrations_per_user'.")}},
           {coalesce_window, #{value => "timeout()", desc => ?T("'server.coalesce_window_s', in whole seconds.")}},
           {pending_timeout,
            #{value => "timeout()",
              desc => ?T("'server.pending_timeout_s': how long a hibernating "
                         "push-enabled session is kept (it replaces "
                         "_`mod_stream_mgmt`_'s 'resume_timeout' for those "
                         "sessions, as _`mod_push_keepalive`_ does).")}},
           {wake_before_timeout,
            #{value => "timeout()", desc => ?T("'server.wake_before_timeout_s'.")}},
           {wake_on_start, #{value => "true | false", desc => ?T("'server.wake_on_start'.")}},
           {pubsub_host,
            #{value => ?T("Host"),
              desc => ?T("'appserver.pubsub_host': the app server's JID, routed "
                         "to the engine. With 'backends', the default is 'push.' "
                         "and the first virtual host that loads the module.")}},
           {register_host,
            #{value => ?T("Host"),
              desc => ?T("'appserver.register_host': where clients send the "
                         "registration commands. The default is the pubsub host. "
                         "It may be a virtual host that loads the module, where "
                         "the commands are served next to _`mod_adhoc`_'s.")}},
           {backends,
            #{value => "[{Key: Value}]",
              desc => ?T("'appserver.backends': the vendors, each a map of the "
                         "engine's backend keys (type, app, topic, key_file, ...).")}},
           {log_level,
            #{value => "debug | info | warn | error",
              desc => ?T("'log.level': the engine's own threshold; ejabberd's "
                         "'loglevel' filters again.")}}],
      example =>
          ["modules:",
           "  mod_nudge:",
           "    coalesce_window: 30",
           "    backends:",
           "      -",
           "        type: apns",
           "        app: chatninja",
           "        topic: im.chatninja.app",
           "        key_file: /etc/ejabberd/nudge/AuthKey_ABC123DEFG.p8",
           "        key_id: ABC123DEFG",
           "        team_id: DEF123GHIJ"]}.
