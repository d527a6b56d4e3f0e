%%%----------------------------------------------------------------------
%%% mod_nudge_config: mod_nudge's options -> the engine's JSON configuration.
%%%
%%% Either `config_file` (the whole document, README.md "Configuration"),
%%% or native options, each one engine key (mod_nudge_options: the table,
%%% validated as the engine's schema says).
%%%----------------------------------------------------------------------
-module(mod_nudge_config).

-export([build/1, domains/0, routing/1, app_hosts/1, registers_here/2, commands/1]).

-include("logger.hrl").

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
    case mod_nudge_options:values(Opts) of
        {ok, Values, Warnings} ->
            lists:foreach(fun warn_once/1, Warnings),
            case gen_mod:get_opt(config_file, Opts) of
                undefined ->
                    from_options(Values);
                File when Values /= [] ->
                    {error, io_lib:format("~ts: not allowed together with config_file; set its key in ~ts instead",
                                          [element(1, hd(Values)), File])};
                File ->
                    from_file(File)
            end;
        {error, _} = Error ->
            Error
    end.

%% Each warning once per node, however often hosts start or reload.
warn_once(Warning) ->
    Key = {?MODULE, warned, Warning},
    case persistent_term:get(Key, false) of
        true -> ok;
        false ->
            persistent_term:put(Key, true),
            ?WARNING_MSG("mod_nudge: ~ts", [Warning])
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

from_options(Values) ->
    Doc0 = lists:foldl(
             fun({Opt, Value}, Acc) ->
                     {Opt, Section, Key, Kind} = lists:keyfind(Opt, 1, mod_nudge_options:native()),
                     S = maps:get(Section, Acc, #{}),
                     Acc#{Section => S#{Key => json_value(Kind, Value)}}
             end, #{}, Values),
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
