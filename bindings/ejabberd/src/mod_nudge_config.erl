%%%----------------------------------------------------------------------
%%% mod_nudge_config: mod_nudge's options -> the engine's JSON configuration.
%%%
%%% Either `config_file` (the whole document, README.md "Configuration"),
%%% or native options, each one engine key. The validators live here
%%% beside the mapping, so that an option and its key cannot drift apart;
%%% mod_nudge:mod_opt_type/1 and mod_options/1 delegate to this module.
%%%----------------------------------------------------------------------
-module(mod_nudge_config).

-export([opt_type/1, options/1, build/1, domains/0, routing/1, app_hosts/1, registers_here/2, commands/1]).

-include("logger.hrl").

%% Native option -> {section, key, how the value becomes JSON}.
-define(NATIVE,
        [{store_path, <<"store">>, <<"path">>, binary},
         {include_senders, <<"server">>, <<"include_senders">>, bool},
         {include_message_count, <<"server">>, <<"include_message_count">>, bool},
         {include_subscription_count, <<"server">>, <<"include_subscription_count">>, bool},
         {include_message_bodies, <<"server">>, <<"include_message_bodies">>, bool},
         {notify_on, <<"server">>, <<"notify_on">>, atom},
         {max_registrations_per_user, <<"server">>, <<"max_registrations_per_user">>, int},
         {coalesce_window, <<"server">>, <<"coalesce_window_s">>, seconds},
         {pending_timeout, <<"server">>, <<"pending_timeout_s">>, seconds},
         {wake_before_timeout, <<"server">>, <<"wake_before_timeout_s">>, seconds},
         {wake_on_start, <<"server">>, <<"wake_on_start">>, bool},
         {pubsub_host, <<"appserver">>, <<"pubsub_host">>, binary},
         {register_host, <<"appserver">>, <<"register_host">>, binary},
         {backends, <<"appserver">>, <<"backends">>, backends},
         {log_level, <<"log">>, <<"level">>, atom}]).

%% ---- Options ---------------------------------------------------------------

-spec opt_type(atom()) -> econf:validator().
opt_type(config_file) -> econf:file();
opt_type(store_path) -> econf:binary();
opt_type(include_senders) -> econf:bool();
opt_type(include_message_count) -> econf:bool();
opt_type(include_subscription_count) -> econf:bool();
opt_type(include_message_bodies) -> econf:bool();
opt_type(notify_on) -> econf:enum([important, all]);
opt_type(max_registrations_per_user) -> econf:pos_int();
opt_type(coalesce_window) -> econf:timeout(second);
opt_type(pending_timeout) -> econf:timeout(second);
opt_type(wake_before_timeout) -> econf:timeout(second);
opt_type(wake_on_start) -> econf:bool();
%% econf:host/0 expands @HOST@ and refuses a virtual host of this server:
%% the pubsub host is routed to the engine as a whole. The register host
%% may be a virtual host (mod_nudge_adhoc serves its commands there).
opt_type(pubsub_host) -> econf:host();
opt_type(register_host) -> econf:domain();
%% A list of backends, each a map of the engine's backend keys. YAML gives
%% `true` as a binary, so booleans are recognised before strings.
opt_type(backends) ->
    econf:list(econf:map(econf:binary(),
                         econf:either(econf:int(), econf:either(econf:bool(), econf:binary()))));
opt_type(log_level) -> econf:enum([debug, info, warn, error]).

%% Every option is optional: `undefined` leaves the engine's default.
-spec options(binary()) -> [{atom(), term()}].
options(_Host) ->
    [{config_file, undefined} | [{Opt, undefined} || {Opt, _, _, _} <- ?NATIVE]].

%% ---- Hosts -----------------------------------------------------------------

%% The virtual hosts that load mod_nudge (server.domains), from the
%% configuration, so that the result does not depend on the order in which
%% hosts start. Sorted: the engine's default register host is the first.
-spec domains() -> [binary()].
domains() ->
    lists:sort([H || H <- ejabberd_option:hosts(),
                     lists:keymember(mod_nudge, 1, ejabberd_option:modules(H))]).

%% How to route to an engine with this configuration, as the engine
%% decides it (nudge_info): {ok, Info} or {error, Reason}.
-spec routing(binary()) -> {ok, map()} | {error, string()}.
routing(Json) ->
    case nudge_nif:info(Json) of
        {ok, Text} -> {ok, jiffy:decode(Text, [return_maps])};
        {error, _Code, Why} -> {error, binary_to_list(Why)}
    end.

%% The app server's domains that are routed to the engine as a whole: the
%% pubsub host, and the register hosts that are not virtual hosts.
-spec app_hosts(map()) -> [binary()].
app_hosts(#{<<"appserver">> := #{<<"pubsub_host">> := Pubsub} = App}) ->
    Hosts = ejabberd_option:hosts(),
    lists:usort([Pubsub | [H || H <- maps:get(<<"register_hosts">>, App, []), not lists:member(H, Hosts)]]);
app_hosts(_) ->
    [].

%% Whether the engine takes registration commands on the virtual host Host.
-spec registers_here(binary(), map()) -> boolean().
registers_here(Host, #{<<"appserver">> := #{<<"register_hosts">> := Hosts}}) ->
    lists:member(Host, Hosts);
registers_here(_, _) ->
    false.

%% The commands to list, {Node, Name}, as the engine names them.
-spec commands(map()) -> [{binary(), binary()}].
commands(#{<<"appserver">> := #{<<"commands">> := Commands}}) ->
    [{Node, Name} || #{<<"node">> := Node, <<"name">> := Name} <- Commands];
commands(_) ->
    [].

%% ---- Building --------------------------------------------------------------

%% The engine's configuration for these options: {ok, Json, Doc} or
%% {error, Reason} naming the option at fault.
-spec build(gen_mod:opts()) -> {ok, binary(), map()} | {error, string()}.
build(Opts) ->
    Native = [Opt || {Opt, _, _, _} <- ?NATIVE, gen_mod:get_opt(Opt, Opts) /= undefined],
    case gen_mod:get_opt(config_file, Opts) of
        undefined ->
            from_options(Opts);
        File when Native /= [] ->
            {error, io_lib:format("~ts: not allowed together with config_file; set its key in ~ts instead",
                                  [hd(Native), File])};
        File ->
            from_file(File)
    end.

from_file(File) ->
    case file:read_file(File) of
        {ok, Text} ->
            try jiffy:decode(Text, [return_maps]) of
                Doc when is_map(Doc) ->
                    %% server.domains defaults to the hosts that load the module.
                    Server = maps:get(<<"server">>, Doc, #{}),
                    Doc1 = case is_map(Server) andalso not maps:is_key(<<"domains">>, Server) of
                               true -> Doc#{<<"server">> => Server#{<<"domains">> => domains()}};
                               false -> Doc
                           end,
                    checked(with_app_hosts(Doc1));
                _ ->
                    %% Not an object: the engine names what is wrong.
                    {ok, Text, #{}}
            catch _:_ ->
                    {ok, Text, #{}}
            end;
        {error, Why} ->
            {error, io_lib:format("config_file: ~ts: ~ts", [File, file:format_error(Why)])}
    end.

from_options(Opts) ->
    Doc0 = lists:foldl(
             fun({Opt, Section, Key, Kind}, Acc) ->
                     case gen_mod:get_opt(Opt, Opts) of
                         undefined -> Acc;
                         Value ->
                             S = maps:get(Section, Acc, #{}),
                             Acc#{Section => S#{Key => json_value(Kind, Value)}}
                     end
             end, #{}, ?NATIVE),
    Store = maps:get(<<"store">>, Doc0, #{}),
    Doc1 = Doc0#{<<"store">> => Store#{<<"path">> => store_path(maps:get(<<"path">>, Store, undefined))},
                 <<"server">> => (maps:get(<<"server">>, Doc0, #{}))#{<<"domains">> => domains()}},
    checked(with_app_hosts(Doc1)).

%% The pubsub host is routed to the engine as a whole, so it may not be a
%% virtual host of this server (whose own traffic would go to it). A
%% register host that is a virtual host must load mod_nudge, whose hooks
%% serve the commands there.
checked(Doc) ->
    Hosts = ejabberd_option:hosts(),
    App = maps:get(<<"appserver">>, Doc, #{}),
    Pubsub = maps:get(<<"pubsub_host">>, App, undefined),
    Register = configured_vhost_register_host(Doc),
    case lists:member(Pubsub, Hosts) of
        true ->
            {error, io_lib:format("appserver.pubsub_host ~ts is a virtual host of this server; use a domain "
                                  "of its own, e.g. push.~ts", [Pubsub, Pubsub])};
        false when Register /= undefined ->
            case lists:member(Register, domains()) of
                true -> {ok, jiffy:encode(Doc), Doc};
                false -> {error, io_lib:format("appserver.register_host ~ts is a virtual host that does not load "
                                               "mod_nudge", [Register])}
            end;
        false ->
            {ok, jiffy:encode(Doc), Doc}
    end.

%% With backends, the app server needs a pubsub host of its own, which
%% ejabberd routes to the engine: push.FIRST-HOST unless set (one engine
%% serves every host, so the default is the same for all). Where the
%% commands are taken is the engine's to decide (routing/1).
with_app_hosts(#{<<"appserver">> := #{<<"backends">> := [_ | _]} = App} = Doc) ->
    Pubsub = maps:get(<<"pubsub_host">>, App, <<"push.", (hd(domains()))/binary>>),
    Doc#{<<"appserver">> => App#{<<"pubsub_host">> => Pubsub}};
with_app_hosts(Doc) ->
    Doc.

%% A configured register host that is a virtual host of this server.
configured_vhost_register_host(#{<<"appserver">> := #{<<"register_host">> := H}}) ->
    case lists:member(H, ejabberd_option:hosts()) of
        true -> H;
        false -> undefined
    end;
configured_vhost_register_host(_) ->
    undefined.

%% Relative store paths are under ejabberd's spool (Mnesia's directory).
store_path(undefined) ->
    store_path(<<"nudge">>);
store_path(Path) ->
    Spool = unicode:characters_to_binary(mnesia:system_info(directory)),
    unicode:characters_to_binary(filename:absname(Path, Spool)).

json_value(seconds, Ms) -> Ms div 1000;
json_value(atom, A) -> atom_to_binary(A, utf8);
json_value(backends, List) -> [maps:from_list(B) || B <- List];
json_value(_, V) -> V.
