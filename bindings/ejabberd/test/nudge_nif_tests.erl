%%% Unit tests of nudge_nif against the real libnudge, on temporary stores.
%%% `make test` runs them (eunit); no ejabberd is needed.
-module(nudge_nif_tests).

-include_lib("eunit/include/eunit.hrl").

-define(USER, <<"juliet@example.net">>).
-define(PHONE, <<"juliet@example.net/phone">>).
-define(ENABLE, <<"<iq type='set' id='e1' from='juliet@example.net/phone'>"
                  "<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n1'/></iq>">>).
-define(MESSAGE, <<"<message from='romeo@example.net/desk' to='juliet@example.net' type='chat' id='m1'>"
                   "<body>hi</body></message>">>).

store() ->
    Dir = filename:join(["/tmp", "nudge_nif_tests-" ++ integer_to_list(erlang:unique_integer([positive]))
                         ++ "-" ++ os:getpid()]),
    list_to_binary(Dir).

config(Store) ->
    <<"{\"store\":{\"path\":\"", Store/binary, "\",\"sync\":false},"
      "\"server\":{\"domains\":[\"example.net\"],\"pending_timeout_s\":600}}">>.

open() ->
    Store = store(),
    {ok, E} = nudge_nif:open(config(Store)),
    {E, Store}.

%% The next event of this kind, skipping others (logs come and go).
event(Kind) ->
    receive
        {nudge_event, Kind, A, B} -> {A, B};
        {nudge_event, _, _, _} -> event(Kind)
    after 5000 -> error({no_event, Kind})
    end.

flush() ->
    receive {nudge_event, _, _, _} -> flush() after 0 -> ok end.

cleanup(Store) ->
    os:cmd("rm -rf '" ++ binary_to_list(Store) ++ "'").

a_bad_configuration_names_the_key_test() ->
    Store = store(),
    Bad = <<"{\"store\":{\"path\":\"", Store/binary, "\"},\"server\":{\"domains\":[\"example.net\"],"
            "\"coalesce_window_s\":\"soon\"}}">>,
    {error, econfig, Message} = nudge_nif:open(Bad),
    ?assertMatch({_, _}, binary:match(Message, <<"server.coalesce_window_s">>)),
    ?assertMatch({error, econfig, _}, nudge_nif:open(<<"not json">>)),
    ?assertError(badarg, nudge_nif:open(<<"{}", 0, "x">>)),
    cleanup(Store).

the_configuration_schema_needs_no_engine_test() ->
    {ok, Json} = nudge_nif:config_schema(),
    ?assertMatch(<<"{\"keys\":[{\"key\":\"store.backend\"", _/binary>>, Json),
    ?assertMatch({_, _}, binary:match(Json, <<"\"key\":\"server.max_enablements_per_user\"">>)),
    ?assertEqual({ok, Json}, nudge_nif:config_schema()).

enable_is_answered_as_an_event_to_the_owner_test() ->
    {E, Store} = open(),
    ok = nudge_nif:session_online(E, ?PHONE),
    ok = nudge_nif:handle_stanza(E, ?ENABLE),
    {Xml, To} = event(stanza),
    ?assertEqual(?PHONE, To),
    ?assertMatch({_, _}, binary:match(Xml, <<"type='result'">>)),
    ?assertMatch({_, _}, binary:match(Xml, <<"id='e1'">>)),
    %% The push-enabled session is kept as long as the engine says.
    ?assertEqual({ok, 600}, nudge_nif:session_pending(E, ?PHONE)),
    ?assertEqual({ok, 0}, nudge_nif:session_pending(E, <<"romeo@example.net/desk">>)),
    ok = nudge_nif:stanza_held(E, ?PHONE, ?MESSAGE, queued),
    ok = nudge_nif:session_resumed(E, ?PHONE),
    ok = nudge_nif:session_closed(E, ?PHONE),
    ok = nudge_nif:stanza_held(E, ?USER, [<<"<message from='romeo@example.net/desk' ">>,
                                          <<"to='juliet@example.net' type='chat' id='m2'><body>x</body></message>">>],
                               offline),
    {ok, Listing} = nudge_nif:admin(E, <<"{\"command\":\"list\",\"user\":\"juliet@example.net\"}">>),
    ?assertMatch({_, _}, binary:match(Listing, <<"\"node\":\"n1\"">>)),
    {ok, Stats} = nudge_nif:stats(E),
    ?assertMatch({_, _}, binary:match(Stats, <<"\"held\"">>)),
    ok = nudge_nif:close(E),
    flush(),
    cleanup(Store).

bad_input_is_refused_and_reported_test() ->
    {E, Store} = open(),
    flush(),
    ?assertEqual({error, exml}, nudge_nif:handle_stanza(E, <<"<iq type='set'">>)),
    {_Level, Line} = event(log),
    ?assert(is_binary(Line)),
    ?assertEqual({error, enotfor}, nudge_nif:handle_stanza(E, ?MESSAGE)),
    ?assertEqual({error, ejid}, nudge_nif:session_online(E, <<"not a jid@@/">>)),
    ?assertError(badarg, nudge_nif:session_online(E, <<"juliet@example.net/ph", 0, "one">>)),
    ?assertError(badarg, nudge_nif:stanza_held(E, ?USER, ?MESSAGE, sideways)),
    ?assertError(badarg, nudge_nif:set_room_nick(E, ?USER, <<"room@muc.example.net">>, 42)),
    ok = nudge_nif:set_room_nick(E, ?USER, <<"room@muc.example.net">>, <<"Jules">>),
    ok = nudge_nif:set_room_nick(E, ?USER, <<"room@muc.example.net">>, undefined),
    %% No grace period anywhere: not asked for, not read.
    ?assertEqual({ok, false}, nudge_nif:wants_session_activity(E, ?PHONE)),
    ok = nudge_nif:session_activity(E, ?PHONE, [<<"<message">>]),
    ?assertEqual({error, ejid}, nudge_nif:session_activity(E, ?USER, ?MESSAGE)),
    ?assertError(badarg, nudge_nif:session_activity(E, ?PHONE, 42)),
    {error, einval, Reply} = nudge_nif:admin(E, <<"{\"command\":\"explode\"}">>),
    ?assertMatch({_, _}, binary:match(Reply, <<"\"ok\":false">>)),
    ?assertMatch({error, enotfound, _},
                 nudge_nif:admin(E, <<"{\"command\":\"test-push\",\"user\":\"romeo@example.net\"}">>)),
    ok = nudge_nif:close(E),
    cleanup(Store).

after_close_every_call_says_closed_test() ->
    {E, Store} = open(),
    ok = nudge_nif:close(E),
    ok = nudge_nif:close(E),
    ?assertEqual({error, closed}, nudge_nif:handle_stanza(E, ?ENABLE)),
    ?assertEqual({error, closed}, nudge_nif:session_pending(E, ?PHONE)),
    ?assertEqual({error, closed}, nudge_nif:wants_session_activity(E, ?PHONE)),
    ?assertEqual({error, closed}, nudge_nif:session_activity(E, ?PHONE, ?MESSAGE)),
    ?assertEqual({error, closed}, nudge_nif:stats(E)),
    ?assertEqual({error, closed}, nudge_nif:admin(E, <<"{\"command\":\"stats\"}">>)),
    ?assertError(badarg, nudge_nif:stats(make_ref())),
    flush(),
    cleanup(Store).

the_store_is_locked_while_open_and_released_by_the_garbage_collector_test() ->
    Store = store(),
    Self = self(),
    Owner = spawn(fun() ->
                          {ok, _E} = nudge_nif:open(config(Store)),
                          Self ! opened,
                          receive stop -> ok end
                  end),
    receive opened -> ok after 5000 -> error(not_opened) end,
    ?assertMatch({error, elocked, _}, nudge_nif:open(config(Store))),
    %% The owner exits without closing; the resource's destructor closes.
    Owner ! stop,
    {ok, E} = reopen(Store, 50),
    ok = nudge_nif:close(E),
    cleanup(Store).

reopen(Store, 0) -> nudge_nif:open(config(Store));
reopen(Store, N) ->
    erlang:garbage_collect(),
    case nudge_nif:open(config(Store)) of
        {ok, E} -> {ok, E};
        {error, elocked, _} -> timer:sleep(100), reopen(Store, N - 1)
    end.

strerror_and_version_test() ->
    ?assertMatch(<<_, _/binary>>, nudge_nif:strerror(-9)),
    ?assertEqual(nudge_nif:strerror(-9), nudge_nif:strerror(ejid)),
    ?assertError(badarg, nudge_nif:strerror(no_such_code)),
    ?assertMatch([_, _, _], binary:split(nudge_nif:version(), <<".">>, [global])).
