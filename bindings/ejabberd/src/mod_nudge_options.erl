%%%----------------------------------------------------------------------
%%% mod_nudge_options: mod_nudge's native options, each one key of the
%%% engine's configuration, validated as the engine's schema says.
%%%
%%% The table below names each option's key and how its value becomes
%%% JSON; ranges and allowed values come from the engine itself
%%% (nudge_config_schema, through the NIF), so a validator cannot accept
%%% what the engine refuses. test/mod_nudge_options_tests.erl checks the
%%% table against the schema: every key the schema offers as an option is
%%% here, under the schema's name, and nothing else.
%%%----------------------------------------------------------------------
-module(mod_nudge_options).

-export([opt_type/1, options/1, native/0, old/0, values/1, schema/0, entry/2]).

%% Native option -> {section, key, how the value becomes JSON}. Kinds:
%% bool, int, seconds (an ejabberd timeout, whole seconds for the engine),
%% atom (one of the schema's values), binary, host, domain, domains,
%% backends.
-define(NATIVE,
        [{store_path, <<"store">>, <<"path">>, binary},
         {include_senders, <<"server">>, <<"include_senders">>, bool},
         {include_message_count, <<"server">>, <<"include_message_count">>, bool},
         {include_subscription_count, <<"server">>, <<"include_subscription_count">>, bool},
         {include_message_bodies, <<"server">>, <<"include_message_bodies">>, bool},
         {notify_on, <<"server">>, <<"notify_on">>, atom},
         {max_enablements_per_user, <<"server">>, <<"max_enablements_per_user">>, int},
         {coalesce_window, <<"server">>, <<"coalesce_window_s">>, seconds},
         {pending_timeout, <<"server">>, <<"pending_timeout_s">>, seconds},
         {wake_before_timeout, <<"server">>, <<"wake_before_timeout_s">>, seconds},
         {wake_on_start, <<"server">>, <<"wake_on_start">>, bool},
         {restart_wake_rate, <<"server">>, <<"restart_wake_rate">>, int},
         {publish_timeout, <<"server">>, <<"publish_timeout_s">>, seconds},
         {publish_retries, <<"server">>, <<"publish_retries">>, int},
         {pubsub_host, <<"appserver">>, <<"pubsub_host">>, host},
         {register_host, <<"appserver">>, <<"register_host">>, domain},
         {allow_domains, <<"appserver">>, <<"allow_domains">>, domains},
         {max_devices_per_user, <<"appserver">>, <<"max_devices_per_user">>, int},
         {registrations_per_hour, <<"appserver">>, <<"registrations_per_hour">>, int},
         {max_age, <<"appserver">>, <<"max_age_s">>, seconds},
         {shutdown_grace, <<"appserver">>, <<"shutdown_grace_s">>, seconds},
         {max_attempts, <<"appserver">>, <<"max_attempts">>, int},
         {token_nodes, <<"appserver">>, <<"token_nodes">>, bool},
         {backends, <<"appserver">>, <<"backends">>, backends},
         {log_level, <<"log">>, <<"level">>, atom}]).

%% Options renamed since the original mod_push: still taken, with a
%% warning (operators' configurations are a contract). Old -> new.
-define(OLD, [{max_registrations_per_user, max_enablements_per_user}]).

-spec native() -> [{atom(), binary(), binary(), atom()}].
native() -> ?NATIVE.

-spec old() -> [{atom(), atom()}].
old() -> ?OLD.

%% ---- Validators ------------------------------------------------------------

-spec opt_type(atom()) -> econf:validator().
opt_type(config_file) ->
    econf:file();
opt_type(Opt) ->
    case lists:keyfind(Opt, 1, ?NATIVE) of
        {Opt, Section, Key, Kind} ->
            validator(Kind, entry(Section, Key));
        false ->
            case lists:keyfind(Opt, 1, ?OLD) of
                {Opt, New} -> opt_type(New);
                false -> erlang:error(function_clause, [Opt])
            end
    end.

validator(bool, _) -> econf:bool();
validator(int, #{<<"min">> := Min, <<"max">> := Max}) -> econf:int(Min, Max);
validator(seconds, #{<<"min">> := Min, <<"max">> := Max}) -> seconds(Min, Max);
validator(atom, #{<<"values">> := Values}) -> econf:enum([binary_to_atom(V, utf8) || V <- Values]);
validator(binary, _) -> econf:binary();
%% econf:host/0 expands @HOST@ and refuses a virtual host of this server:
%% the pubsub host is routed to the engine as a whole. The register host
%% may be a virtual host (mod_nudge_adhoc serves its commands there).
validator(host, _) -> econf:host();
validator(domain, _) -> econf:domain();
validator(domains, _) -> econf:list(econf:domain());
%% A list of backends, each a map of the engine's backend keys. YAML gives
%% `true` as a binary, so booleans are recognised before strings; a list
%% holds strings (`tigase_providers`).
validator(backends, _) ->
    econf:list(econf:map(econf:binary(),
                         econf:either(econf:int(),
                                      econf:either(econf:bool(),
                                                   econf:either(econf:binary(), econf:list(econf:binary())))))).

%% An ejabberd timeout (30, "30 s", "1 min") in milliseconds, of whole
%% seconds from Min to Max for the engine. econf:timeout/1 takes only
%% positive values, so a minimum of 0 takes 0 as such.
seconds(Min, Max) ->
    Timeout = econf:and_then(
                econf:timeout(second),
                fun(Ms) when Ms >= Min * 1000, Ms =< Max * 1000 -> Ms;
                   (Ms) -> econf:fail({bad_int, Min, Max, Ms div 1000})
                end),
    case Min of
        0 -> econf:either(econf:int(0, 0), Timeout);
        _ -> Timeout
    end.

%% Every option is optional: `undefined` leaves the engine's default.
-spec options(binary()) -> [{atom(), term()}].
options(_Host) ->
    [{config_file, undefined} | [{Opt, undefined} || {Opt, _, _, _} <- ?NATIVE]] ++
        [{Old, undefined} || {Old, _} <- ?OLD].

%% ---- Values ----------------------------------------------------------------

%% The native options that are set, old names taken for the new ones:
%% {ok, [{Opt, Value}], Warnings} or {error, Reason} when an old and a new
%% name are both set.
-spec values(gen_mod:opts()) -> {ok, [{atom(), term()}], [string()]} | {error, string()}.
values(Opts) ->
    Set = [{Opt, V} || {Opt, _, _, _} <- ?NATIVE, (V = gen_mod:get_opt(Opt, Opts)) /= undefined],
    lists:foldl(
      fun(_, {error, _} = Error) -> Error;
         ({Old, New}, {ok, Acc, Warnings}) ->
              case {gen_mod:get_opt(Old, Opts), lists:keymember(New, 1, Acc)} of
                  {undefined, _} ->
                      {ok, Acc, Warnings};
                  {_, true} ->
                      {error, lists:flatten(io_lib:format("~ts: the old name of ~ts, which is set too; keep only ~ts",
                                                          [Old, New, New]))};
                  {Value, false} ->
                      Warning = io_lib:format("~ts is deprecated: it is now ~ts, with the same meaning", [Old, New]),
                      {ok, Acc ++ [{New, Value}], Warnings ++ [lists:flatten(Warning)]}
              end
      end, {ok, Set, []}, ?OLD).

%% ---- The engine's schema ---------------------------------------------------

%% nudge_config_schema(), decoded once per library version.
-spec schema() -> map().
schema() ->
    Key = {?MODULE, schema, nudge_nif:version()},
    case persistent_term:get(Key, undefined) of
        undefined ->
            {ok, Json} = nudge_nif:config_schema(),
            Schema = jiffy:decode(Json, [return_maps]),
            persistent_term:put(Key, Schema),
            Schema;
        Schema ->
            Schema
    end.

%% The schema's entry of Section.Key.
-spec entry(binary(), binary()) -> map().
entry(Section, Key) ->
    Path = <<Section/binary, ".", Key/binary>>,
    [Entry] = [E || #{<<"key">> := K} = E <- maps:get(<<"keys">>, schema()), K == Path],
    Entry.
