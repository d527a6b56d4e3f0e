%%% mod_nudge's native options against the engine's schema
%%% (nudge_config_schema, through the NIF): every key the schema offers as
%%% an option is one here under the schema's name, of a kind that fits its
%%% type, validated with the schema's range; old names map to new ones.
%%% Runs without a running ejabberd (econf and gen_mod from ejabberd's ebin).
-module(mod_nudge_options_tests).

-include_lib("eunit/include/eunit.hrl").

schema_keys() -> maps:get(<<"keys">>, mod_nudge_options:schema()).

offered() -> [E || #{<<"option">> := _} = E <- schema_keys()].

valid(Validator, Value) ->
    case econf:validate(Validator, Value) of
        {ok, V} -> {ok, V};
        {error, Why, _} -> {error, Why}
    end.

every_offered_key_is_an_option_and_nothing_else_test() ->
    Expected = lists:sort([{binary_to_atom(O, utf8), K} || #{<<"option">> := O, <<"key">> := K} <- offered()]),
    Here = lists:sort([{Opt, <<S/binary, ".", K/binary>>} || {Opt, S, K, _} <- mod_nudge_options:native()]),
    ?assertEqual(Expected, Here).

each_kind_fits_the_keys_type_test() ->
    Fits = #{bool => [<<"boolean">>], int => [<<"integer">>], seconds => [<<"integer">>], atom => [<<"choice">>],
             binary => [<<"string">>], host => [<<"domain">>], domain => [<<"domain">>],
             domains => [<<"domains">>], backends => [<<"backends">>]},
    [begin
         Entry = mod_nudge_options:entry(S, K),
         Type = maps:get(<<"type">>, Entry),
         ?assert(lists:member(Type, maps:get(Kind, Fits)), {Opt, Kind, Type}),
         %% Durations are ejabberd timeouts exactly when the engine counts seconds.
         ?assertEqual(Kind == seconds, maps:get(<<"unit">>, Entry, none) == <<"s">>, Opt)
     end || {Opt, S, K, Kind} <- mod_nudge_options:native()].

old_names_are_the_schemas_test() ->
    Expected = lists:sort([{binary_to_atom(Old, utf8), binary_to_atom(O, utf8)}
                           || #{<<"option">> := O, <<"old_options">> := Olds} <- offered(), Old <- Olds]),
    ?assertEqual(Expected, lists:sort(mod_nudge_options:old())),
    [?assertEqual(valid(mod_nudge_options:opt_type(New), 3), valid(mod_nudge_options:opt_type(Old), 3))
     || {Old, New} <- mod_nudge_options:old()].

validators_take_exactly_the_schemas_range_test() ->
    [begin
         #{<<"min">> := Min, <<"max">> := Max} = mod_nudge_options:entry(S, K),
         V = mod_nudge_options:opt_type(Opt),
         Scale = case Kind of seconds -> 1000; int -> 1 end,
         ?assertEqual({ok, Min * Scale}, valid(V, Min)),
         ?assertEqual({ok, Max * Scale}, valid(V, Max)),
         ?assertMatch({error, _}, valid(V, Max + 1)),
         case Min of
             0 -> ok;   % econf refuses negative numbers before any range
             _ -> ?assertMatch({error, _}, valid(V, Min - 1))
         end
     end || {Opt, S, K, Kind} <- mod_nudge_options:native(), Kind == int orelse Kind == seconds].

choices_are_the_schemas_values_test() ->
    [begin
         #{<<"values">> := Values} = mod_nudge_options:entry(S, K),
         V = mod_nudge_options:opt_type(Opt),
         [?assertEqual({ok, binary_to_atom(Value, utf8)}, valid(V, Value)) || Value <- Values],
         ?assertMatch({error, _}, valid(V, <<"nonsense">>))
     end || {Opt, S, K, atom} <- mod_nudge_options:native()].

a_timeout_in_words_is_whole_seconds_test() ->
    V = mod_nudge_options:opt_type(coalesce_window),
    ?assertEqual({ok, 60000}, valid(V, <<"1 min">>)),
    ?assertMatch({error, {bad_int, 0, 86400, 172800}}, valid(V, <<"2 days">>)),
    ?assertEqual({ok, 0}, valid(mod_nudge_options:opt_type(wake_before_timeout), 0)).

an_old_name_stands_for_the_new_one_with_a_warning_test() ->
    Opts = maps:from_list(mod_nudge_options:options(<<"example.net">>)),
    ?assertEqual({ok, [], []}, mod_nudge_options:values(Opts)),
    ?assertEqual({ok, [{max_enablements_per_user, 7}],
                  ["max_registrations_per_user is deprecated: it is now max_enablements_per_user, with the same meaning"]},
                 mod_nudge_options:values(Opts#{max_registrations_per_user => 7})),
    ?assertEqual({ok, [{max_enablements_per_user, 8}, {coalesce_window, 30000}], []},
                 mod_nudge_options:values(Opts#{max_enablements_per_user => 8, coalesce_window => 30000})),
    ?assertEqual({error, "max_registrations_per_user: the old name of max_enablements_per_user, which is set too; "
                         "keep only max_enablements_per_user"},
                 mod_nudge_options:values(Opts#{max_registrations_per_user => 7, max_enablements_per_user => 8})).
