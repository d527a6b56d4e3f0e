%%%----------------------------------------------------------------------
%%% mod_nudge_doc: mod_nudge's documentation, as mod_doc/0 returns it
%%% (ejabberdctl man, the web admin, ejabberd's documentation generator).
%%%
%%% Each native option's entry is its engine key's, from the engine's
%%% schema (nudge_config_schema, through the NIF): its meaning and default
%%% are the engine's own, with what is particular to ejabberd added.
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
                         "module. Not allowed together with native options.")}}] ++
          [{Opt, option(Opt, Section, Key, Kind)} || {Opt, Section, Key, Kind} <- mod_nudge_options:native()] ++
          [{Old, old_option(New)} || {Old, New} <- mod_nudge_options:old()],
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

option(Opt, Section, Key, Kind) ->
    Entry = mod_nudge_options:entry(Section, Key),
    Meaning = [quoted(maps:get(<<"key">>, Entry)), ": ", sentence(code(maps:get(<<"doc">>, Entry)))],
    Desc = lists:join(" ", [Part || Part <- [Meaning, note(Opt), default(Entry, Kind)], Part /= <<>>]),
    #{value => value(Kind, Entry), desc => iolist_to_binary(Desc)}.

old_option(New) ->
    #{value => ?T("Value"),
      desc => iolist_to_binary(["The old name of ", quoted(atom_to_binary(New, utf8)),
                                ", still taken (logged once as deprecated); not together with it."])}.

value(bool, _) -> <<"true | false">>;
value(int, #{<<"min">> := 0}) -> <<"non_neg_integer()">>;
value(int, _) -> <<"pos_integer()">>;
value(seconds, _) -> <<"timeout()">>;
value(atom, #{<<"values">> := Values}) -> iolist_to_binary(lists:join(" | ", Values));
value(binary, _) -> ?T("Path");
value(host, _) -> ?T("Host");
value(domain, _) -> ?T("Host");
value(domains, _) -> ?T("[Host, ...]");
value(backends, _) -> <<"[{Key: Value}]">>.

%% What the engine does when the option is not set; ejabberd's own
%% defaults where they differ are in note/1.
default(#{<<"default">> := Default} = Entry, Kind) ->
    Unit = case {Kind, maps:get(<<"unit">>, Entry, undefined)} of
               {seconds, <<"s">>} -> <<" seconds">>;
               _ -> <<>>
           end,
    iolist_to_binary(["The default value is ", quoted(json(Default)), Unit, "."]);
default(#{<<"unset">> := Unset}, _) ->
    iolist_to_binary(["Unset: ", code(Unset), "."]);
default(_, _) ->
    <<>>.

json(V) when is_binary(V) -> V;
json(V) -> jiffy:encode(V).

sentence(Text) ->
    case binary:last(Text) of
        $. -> Text;
        _ -> <<Text/binary, ".">>
    end.

%% ejabberd's documentation quotes option values and keys as 'this'.
quoted(Text) -> [$', Text, $'].
code(Text) -> binary:replace(Text, <<"`">>, <<"'">>, [global]).

note(store_path) ->
    ?T("Relative paths are under ejabberd's spool directory. The default is 'nudge' there.");
note(pending_timeout) ->
    ?T("It replaces _`mod_stream_mgmt`_'s 'resume_timeout' for push-enabled "
       "sessions, as _`mod_push_keepalive`_ does.");
note(pubsub_host) ->
    ?T("With 'backends', the default is 'push.' and the first virtual host that loads the module.");
note(register_host) ->
    ?T("It may be a virtual host that loads the module, where the commands are "
       "served next to _`mod_adhoc`_'s.");
note(backends) ->
    ?T("Each a map of the engine's backend keys (type, app, topic, key_file, ...).");
note(log_level) ->
    ?T("The engine's own threshold; ejabberd's 'loglevel' filters again.");
note(_) ->
    <<>>.
