%%% mod_nudge's options, validators and documentation agree: every option
%%% has a validator and a documented entry, and nothing else is documented.
%%% Runs without a running ejabberd (econf from ejabberd's ebin).
-module(mod_nudge_doc_tests).

-include_lib("eunit/include/eunit.hrl").

options_validators_and_documentation_agree_test() ->
    Options = lists:sort([O || {O, _} <- mod_nudge_config:options(<<"example.net">>)]),
    #{opts := Documented, desc := _, example := _} = mod_nudge_doc:doc(),
    ?assertEqual(Options, lists:sort([O || {O, #{value := _, desc := _}} <- Documented])),
    [?assert(is_function(mod_nudge_config:opt_type(O), 1)) || O <- Options],
    ?assertError(function_clause, mod_nudge_config:opt_type(no_such_option)).

booleans_from_yaml_and_timeouts_validate_test() ->
    Bool = mod_nudge_config:opt_type(include_senders),
    ?assertEqual(true, Bool(<<"true">>)),
    Timeout = mod_nudge_config:opt_type(coalesce_window),
    ?assertEqual(30000, Timeout(30)),
    Level = mod_nudge_config:opt_type(log_level),
    ?assertEqual(warn, Level(<<"warn">>)).
