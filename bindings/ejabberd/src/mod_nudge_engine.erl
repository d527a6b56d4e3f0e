%%%----------------------------------------------------------------------
%%% mod_nudge_engine: the one engine of this ejabberd node, and the process
%%% that owns it.
%%%
%%% Every virtual host that loads mod_nudge shares one engine (one store,
%%% one LMDB lock), so it lives in a process of its own under
%%% ejabberd_gen_mod_sup, started by the first host and stopped with the
%%% last. Hooks call the engine directly from the calling process (the NIF
%%% is thread-safe and those calls never block); the engine is published
%%% in a persistent_term for that. This process:
%%%
%%%   - opens the engine (a dirty NIF: it may wait on disk) and closes it
%%%     when it terminates;
%%%   - registers the app server's domains (pubsub host, register host)
%%%     with ejabberd_router, so both halves of XEP-0357 run here;
%%%   - receives the engine's events from the NIF's event thread and
%%%     routes stanzas with ejabberd_router, logs through ejabberd's logger.
%%%----------------------------------------------------------------------
-module(mod_nudge_engine).
-behaviour(gen_server).

-export([start/3, stop/0, engine/0, config_json/0, request/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2, code_change/3]).

-include("logger.hrl").
-include("xmpp.hrl").

-define(ENGINE_KEY, {?MODULE, engine}).
%% Processes waiting for the engine's answer to an iq they handed it
%% (request/1): id -> pid. The answer goes to them instead of the router.
-define(WAITERS, mod_nudge_waiters).
-define(REQUEST_TIMEOUT, 10000).

-record(state, {engine :: nudge_nif:engine(), json :: binary(), routes = [] :: [binary()]}).

%% ---- API -------------------------------------------------------------------

%% Opens the engine for these options, or checks that the running one was
%% opened with the same configuration (one engine serves every host).
-spec start(binary(), binary(), [binary()]) -> ok | {error, term()}.
start(Host, Json, Routes) ->
    Spec = #{id => ?MODULE, start => {gen_server, start_link, [{local, ?MODULE}, ?MODULE, {Host, Json, Routes}, []]},
             restart => transient, shutdown => 60000, type => worker, modules => [?MODULE]},
    case supervisor:start_child(ejabberd_gen_mod_sup, Spec) of
        {ok, _} -> ok;
        {error, {already_started, _}} -> same_config(Json);
        {error, already_present} ->
            _ = supervisor:delete_child(ejabberd_gen_mod_sup, ?MODULE),
            start(Host, Json, Routes);
        {error, {{shutdown, Why}, _}} -> {error, Why};
        {error, Why} -> {error, Why}
    end.

-spec stop() -> ok.
stop() ->
    _ = supervisor:terminate_child(ejabberd_gen_mod_sup, ?MODULE),
    _ = supervisor:delete_child(ejabberd_gen_mod_sup, ?MODULE),
    ok.

%% The open engine, or undefined while none is.
-spec engine() -> nudge_nif:engine() | undefined.
engine() ->
    persistent_term:get(?ENGINE_KEY, undefined).

-spec config_json() -> binary() | undefined.
config_json() ->
    try gen_server:call(?MODULE, config_json)
    catch exit:{noproc, _} -> undefined
    end.

%% Hands an iq to the engine and waits for its answer (the engine answers
%% after its commit). The iq's id must be unique and start with nudge-.
-spec request(iq()) -> {ok, iq()} | {error, term()}.
request(#iq{id = Id} = IQ) ->
    case engine() of
        undefined -> {error, closed};
        Engine ->
            ets:insert(?WAITERS, {Id, self()}),
            try nudge_nif:handle_stanza(Engine, fxml:element_to_binary(xmpp:encode(IQ))) of
                Result when Result == ok; Result == {error, ebusy} ->   % ebusy: answered resource-constraint
                    receive {?MODULE, Id, Reply} -> {ok, Reply}
                    after ?REQUEST_TIMEOUT -> {error, timeout}
                    end;
                {error, _} = Error ->
                    Error
            after
                ets:delete(?WAITERS, Id)
            end
    end.

same_config(Json) ->
    case config_json() of
        Json -> ok;
        _ -> {error, "the options differ from those of another host that loads mod_nudge; "
                     "one engine serves the whole node, so set them identically (or once, with config_file)"}
    end.

%% ---- gen_server --------------------------------------------------------------

init({Host, Json, Routes}) ->
    process_flag(trap_exit, true),
    ets:new(?WAITERS, [named_table, public, set, {read_concurrency, true}]),
    case nudge_nif:open(Json) of
        {ok, Engine} ->
            persistent_term:put(?ENGINE_KEY, Engine),
            lists:foreach(fun(D) -> ejabberd_router:register_route(D, Host, {apply, mod_nudge, route}) end, Routes),
            ?INFO_MSG("Push engine ~ts open (app server on ~ts)",
                      [nudge_nif:version(), case Routes of [] -> "no domain"; _ -> lists:join(", ", Routes) end]),
            {ok, #state{engine = Engine, json = Json, routes = Routes}};
        {error, _Code, Message} ->
            %% The engine names the configuration key at fault.
            {stop, {shutdown, binary_to_list(Message)}}
    end.

handle_call(config_json, _From, State) ->
    {reply, State#state.json, State};
handle_call(_Request, _From, State) ->
    {reply, {error, badarg}, State}.

handle_cast(_Msg, State) ->
    {noreply, State}.

handle_info({nudge_event, _, _, _} = Event, State) ->
    handle_event(Event),
    {noreply, State};
handle_info(Info, State) ->
    ?WARNING_MSG("Unexpected message: ~p", [Info]),
    {noreply, State}.

terminate(_Reason, #state{engine = Engine, routes = Routes}) ->
    lists:foreach(fun ejabberd_router:unregister_route/1, Routes),
    persistent_term:erase(?ENGINE_KEY),
    %% Waits for the writer's last commit; pending sessions stay recorded
    %% for the restart wake.
    nudge_nif:close(Engine),
    route_remaining(),
    ?INFO_MSG("Push engine closed", []).

code_change(_OldVsn, State, _Extra) ->
    {ok, State}.

%% ---- Events -----------------------------------------------------------------

%% The event thread's last drain (the answers to the last calls) may arrive
%% after close; they are handled still.
route_remaining() ->
    receive
        {nudge_event, _, _, _} = Event -> handle_event(Event), route_remaining()
    after 0 -> ok
    end.

%% One event, caught on its own: an error in it (a stanza that cannot be
%% routed, an event this process does not know how to read) is logged once,
%% and this process, which owns the engine, goes on with the next. The
%% event's data is not logged: a publish carries its node's secret.
handle_event({nudge_event, Kind, _, Target} = Event) ->
    try event(Event)
    catch Class:Why:Stack ->
            ?ERROR_MSG("Error while handling an engine ~p event (about ~p):~n** ~ts",
                       [Kind, Target, misc:format_exception(2, Class, Why, Stack)])
    end.

event({nudge_event, stanza, Xml, _To}) ->
    route_event(Xml);
event({nudge_event, disabled, Json, User}) ->
    %% No push state is kept here: the engine has dropped the enablement.
    ?INFO_MSG("Push disabled for ~ts: ~ts", [User, Json]);
event({nudge_event, log, Level, Line}) ->
    log(Level, Line);
event({nudge_event, Kind, Data, _Target}) ->
    ?DEBUG("Unknown engine event ~p: ~ts", [Kind, Data]).

%% A stanza the engine wants routed: results and errors to local sessions,
%% publishes to app servers (remote, or the engine's own pubsub host), the
%% app server's answers. ejabberd_router:route/1 catches what the route
%% itself raises (another module's hook); what is left is ours.
route_event(Xml) ->
    El = fxml_stream:parse_element(Xml),
    Pkt = xmpp:decode(El, ?NS_CLIENT, [ignore_els]),
    case waiter(Pkt) of
        none -> ejabberd_router:route(Pkt);
        Pid -> Pid ! {?MODULE, xmpp:get_id(Pkt), Pkt}
    end.

waiter(#iq{type = T, id = <<"nudge-adhoc-", _/binary>> = Id}) when T == result; T == error ->
    case ets:lookup(?WAITERS, Id) of
        [{_, Pid}] -> Pid;
        [] -> none
    end;
waiter(_) ->
    none.

log(debug, Line) -> ?DEBUG("~ts", [Line]);
log(info, Line) -> ?INFO_MSG("~ts", [Line]);
log(warn, Line) -> ?WARNING_MSG("~ts", [Line]);
log(error, Line) -> ?ERROR_MSG("~ts", [Line]).
