%%% mod_nudge's options, validators and documentation agree: every option
%%% has a validator and a documented entry, and nothing else is documented;
%%% each entry shows its key's default as the engine's schema has it.
%%% Runs without a running ejabberd (econf from ejabberd's ebin).
-module(mod_nudge_doc_tests).

-include_lib("eunit/include/eunit.hrl").

options_validators_and_documentation_agree_test() ->
    Options = lists:sort([O || {O, _} <- mod_nudge_options:options(<<"example.net">>)]),
    #{opts := Documented, desc := _, example := _} = mod_nudge_doc:doc(),
    ?assertEqual(Options, lists:sort([O || {O, #{value := _, desc := _}} <- Documented])),
    [?assert(is_function(mod_nudge_options:opt_type(O), 1)) || O <- Options],
    ?assertError(function_clause, mod_nudge_options:opt_type(no_such_option)).

booleans_from_yaml_and_timeouts_validate_test() ->
    Bool = mod_nudge_options:opt_type(include_senders),
    ?assertEqual(true, Bool(<<"true">>)),
    Timeout = mod_nudge_options:opt_type(coalesce_window),
    ?assertEqual(30000, Timeout(30)),
    Level = mod_nudge_options:opt_type(log_level),
    ?assertEqual(warn, Level(<<"warn">>)).

each_entry_shows_the_engines_default_test() ->
    #{opts := Documented} = mod_nudge_doc:doc(),
    [begin
         Entry = mod_nudge_options:entry(S, K),
         #{desc := Desc} = proplists:get_value(Opt, Documented),
         ?assertMatch({_, _}, binary:match(Desc, <<"'", S/binary, ".", K/binary, "'">>), Opt),
         case Entry of
             #{<<"default">> := Default} ->
                 Text = case Default of D when is_binary(D) -> D; D -> jiffy:encode(D) end,
                 ?assertMatch({_, _}, binary:match(Desc, <<"The default value is '", Text/binary, "'">>), {Opt, Desc});
             #{<<"unset">> := _} ->
                 ?assertMatch({_, _}, binary:match(Desc, <<"Unset: ">>), {Opt, Desc});
             #{<<"required">> := true} ->
                 ok
         end
     end || {Opt, S, K, _} <- mod_nudge_options:native()],
    #{desc := Old} = proplists:get_value(max_registrations_per_user, Documented),
    ?assertMatch({_, _}, binary:match(Old, <<"'max_enablements_per_user'">>)).
