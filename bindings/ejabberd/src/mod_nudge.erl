%%%----------------------------------------------------------------------
%%% mod_nudge: XEP-0357 push notifications for ejabberd, through libnudge.
%%%
%%% The upper half of the ejabberd binding (the lower half is nudge_nif,
%%% the NIF over include/nudge.h). Thin, as DESIGN.md asks of bindings:
%%% ejabberd's hooks become engine calls, the engine's events become routed
%%% stanzas and log lines. Every decision (who may enable, what deserves a
%%% push, coalescing, how long a pending session is kept) is the engine's.
%%%
%%%   modules:
%%%     mod_nudge:
%%%       backends:
%%%         - type: apns
%%%           app: chatninja
%%%           ...
%%%
%%% One engine serves the node: every host that loads mod_nudge (those are
%%% server.domains) shares it (mod_nudge_engine). With backends, the app
%%% server's domain (pubsub_host, default push. and the first host) is
%%% routed to it too.
%%% README.md beside this file documents the options and the hooks.
%%%----------------------------------------------------------------------
-module(mod_nudge).
-behaviour(gen_mod).

%% gen_mod
-export([start/2, stop/1, reload/3, depends/2, mod_opt_type/1, mod_options/1, mod_doc/0]).
%% iq handler
-export([process_iq/1, decode_iq_subel/1]).
%% the app server's domains (ejabberd_router)
-export([route/1]).
%% hooks
-export([sm_register_connection_hook/3, sm_remove_connection_hook/3,
         c2s_session_pending/1, c2s_session_resumed/1, c2s_copy_session/2,
         c2s_handle_send/3, offline_message/1, store_mam_message/7, bounce_sm_packet/1,
         disco_sm_features/5, disco_info/5, user_send_packet/1, remove_user/2, ejabberd_stopping/0]).

-include("logger.hrl").
-include("xmpp.hrl").
-include("translate.hrl").
-include("mod_roster.hrl").

-define(STOPPING_KEY, {?MODULE, stopping}).
-define(NS_PUSH2, <<"urn:xmpp:push2:0">>).

%% ---- gen_mod ---------------------------------------------------------------

start(Host, Opts) ->
    case conflicting(Host) of
        [] -> start_engine(Host, Opts);
        Modules ->
            Names = lists:join(" and ", [atom_to_list(M) || M <- Modules]),
            Why = lists:flatten(io_lib:format(
                    "~ts ~ts configured on ~ts too, and both would push for every message; remove ~ts from the "
                    "modules section of ejabberd.yml (Debian's default one enables mod_push and mod_push_keepalive)",
                    [Names, case Modules of [_] -> "is"; _ -> "are" end, Host, Names])),
            ?ERROR_MSG("mod_nudge on ~ts: ~ts", [Host, Why]),
            {error, Why}
    end.

%% ejabberd's own XEP-0357 modules, configured or running on Host: they
%% would answer the same enable and push a second time for every message.
conflicting(Host) ->
    Configured = [element(1, M) || M <- ejabberd_option:modules(Host)],
    [M || M <- [mod_push, mod_push_keepalive], lists:member(M, Configured) orelse gen_mod:is_loaded(Host, M)].

start_engine(Host, Opts) ->
    case built(Opts) of
        {ok, Json, Info} ->
            case mod_nudge_engine:start(Host, Json, mod_nudge_config:app_hosts(Info)) of
                ok ->
                    persistent_term:put(?STOPPING_KEY, false),
                    gen_iq_handler:add_iq_handler(ejabberd_sm, Host, ?NS_PUSH_0, ?MODULE, process_iq),
                    gen_iq_handler:add_iq_handler(ejabberd_sm, Host, ?NS_PUSH2, ?MODULE, process_iq),
                    add_hooks(Host),
                    case mod_nudge_config:registers_here(Host, Info) of
                        true -> mod_nudge_adhoc:start(Host, mod_nudge_config:commands(Info));
                        false -> ok
                    end,
                    mod_nudge_commands:register(),
                    ok;
                {error, Why} ->
                    ?ERROR_MSG("mod_nudge on ~ts: ~ts", [Host, Why]),
                    {error, Why}
            end;
        {error, Why} ->
            ?ERROR_MSG("mod_nudge on ~ts: ~ts", [Host, Why]),
            {error, lists:flatten(Why)}
    end.

%% The engine's configuration for these options, and how to route to it.
built(Opts) ->
    case mod_nudge_config:build(Opts) of
        {ok, Json, _Doc} ->
            case mod_nudge_config:routing(Json) of
                {ok, Info} -> {ok, Json, Info};
                {error, _} = Error -> Error
            end;
        {error, _} = Error ->
            Error
    end.

stop(Host) ->
    mod_nudge_adhoc:stop(Host),
    delete_hooks(Host),
    gen_iq_handler:remove_iq_handler(ejabberd_sm, Host, ?NS_PUSH_0),
    gen_iq_handler:remove_iq_handler(ejabberd_sm, Host, ?NS_PUSH2),
    case gen_mod:is_loaded_elsewhere(Host, ?MODULE) of
        false ->
            mod_nudge_commands:unregister(),
            mod_nudge_engine:stop();
        true ->
            ok
    end.

%% A changed configuration reopens the engine (the store stays).
reload(Host, NewOpts, _OldOpts) ->
    case built(NewOpts) of
        {ok, Json, Info} ->
            case mod_nudge_engine:config_json() of
                Json -> ok;
                _ ->
                    ?INFO_MSG("Push engine configuration changed; reopening", []),
                    mod_nudge_engine:stop(),
                    mod_nudge_engine:start(Host, Json, mod_nudge_config:app_hosts(Info))
            end;
        {error, Why} ->
            {error, Why}
    end.

depends(_Host, _Opts) ->
    [{mod_stream_mgmt, soft}, {mod_offline, soft}, {mod_mam, soft}].

mod_opt_type(Opt) -> mod_nudge_options:opt_type(Opt).

mod_options(Host) -> mod_nudge_options:options(Host).

mod_doc() -> mod_nudge_doc:doc().

%% ---- Hooks -----------------------------------------------------------------

hooks() ->
    [{sm_register_connection_hook, sm_register_connection_hook, 50},
     {sm_remove_connection_hook, sm_remove_connection_hook, 50},
     {c2s_session_pending, c2s_session_pending, 50},
     {c2s_session_resumed, c2s_session_resumed, 50},
     {c2s_copy_session, c2s_copy_session, 50},
     %% After mod_stream_mgmt (50) has queued the stanza.
     {c2s_handle_send, c2s_handle_send, 60},
     %% After mod_offline (50) has stored the message, as mod_push (55).
     {offline_message_hook, offline_message, 55},
     %% Before mod_mam (100) writes the message.
     {store_mam_message, store_mam_message, 50},
     %% Before ejabberd_sm's own (100), which drops results to bare JIDs
     %% and bounces group chat messages to them.
     {bounce_sm_packet, bounce_sm_packet, 50},
     {disco_sm_features, disco_sm_features, 50},
     {disco_info, disco_info, 50},
     {user_send_packet, user_send_packet, 50},
     {remove_user, remove_user, 50}].

add_hooks(Host) ->
    [ejabberd_hooks:add(Hook, Host, ?MODULE, Fun, Prio) || {Hook, Fun, Prio} <- hooks()],
    ejabberd_hooks:add(ejabberd_stopping, ?MODULE, ejabberd_stopping, 50).

delete_hooks(Host) ->
    [ejabberd_hooks:delete(Hook, Host, ?MODULE, Fun, Prio) || {Hook, Fun, Prio} <- hooks()],
    ejabberd_hooks:delete(ejabberd_stopping, ?MODULE, ejabberd_stopping, 50).

%% One engine call; a closed engine (the module stopping) is as if Nudge
%% were absent.
call(Fun, Args) ->
    case mod_nudge_engine:engine() of
        undefined -> {error, closed};
        Engine -> apply(nudge_nif, Fun, [Engine | Args])
    end.

xml(Pkt) ->
    fxml:element_to_binary(xmpp:encode(Pkt)).

%% ---- enable / disable ----------------------------------------------------------

%% The engine reads the enable/disable element itself, malformed or not,
%% so gen_iq_handler must not decode it.
decode_iq_subel(El) -> El.

%% From the user's own session (to self) and from others (to another
%% account, which the engine refuses with forbidden). The engine answers
%% after its commit, as an event; nothing is answered here.
%% Whatever the engine refuses it answers itself, as an event
%% (nudge_handle_stanza); only a stopped engine leaves the answer here.
process_iq(#iq{lang = Lang} = IQ) ->
    case call(handle_stanza, [xml(IQ)]) of
        ok -> ignore;
        {error, closed} ->
            xmpp:make_error(IQ, xmpp:err_service_unavailable(?T("The push service is not running"), Lang));
        {error, Code} ->
            ?DEBUG("The push engine refused an iq from ~ts: ~p", [jid:encode(xmpp:get_from(IQ)), Code]),
            ignore
    end.

%% ---- The app server's domains ------------------------------------------------

%% Everything addressed to the pubsub host or the register host:
%% publishes, registration commands, disco.
route(Pkt) ->
    case call(handle_stanza, [xml(Pkt)]) of
        ok -> ok;
        {error, Code} when Code == enotfor; Code == closed ->
            %% Not the stanza itself: a publish carries its node's secret.
            ?DEBUG("Not for the push engine (~p): ~ts from ~ts", [Code, element(1, Pkt), jid:encode(xmpp:get_from(Pkt))]),
            bounce(Pkt);
        {error, Code} ->
            %% The engine answered what could be answered.
            ?DEBUG("The push engine refused ~ts from ~ts: ~p", [element(1, Pkt), jid:encode(xmpp:get_from(Pkt)), Code])
    end.

bounce(#iq{type = T}) when T == result; T == error -> ok;
bounce(#message{type = error}) -> ok;
bounce(#presence{}) -> ok;
bounce(Pkt) ->
    ejabberd_router:route_error(Pkt, xmpp:err_service_unavailable()).

%% The answers of app servers to the engine's publishes: iq results and
%% errors to the user's bare JID, with the engine's ids. ejabberd_sm hands
%% iq results to bare JIDs to this hook only.
bounce_sm_packet({_, #iq{type = T, id = <<"nudge-", _/binary>>} = IQ} = Acc) when T == result; T == error ->
    case call(handle_stanza, [xml(IQ)]) of
        ok -> {stop, {drop, IQ}};
        _ -> Acc
    end;
%% Push 2.0 notifications are messages: a push service's error for one
%% comes back to the user's bare JID with the engine's id, and ejabberd_sm
%% hands errors to bare JIDs to this hook.
bounce_sm_packet({_, #message{type = error, id = <<"nudge-", _/binary>>} = Msg} = Acc) ->
    case call(handle_stanza, [xml(Msg)]) of
        ok -> {stop, {drop, Msg}};
        _ -> Acc
    end;
%% A room's message to the bare JID of a member who is not in the room
%% (rooms that deliver to absent members, as Prosody's
%% mod_muc_offline_delivery does; ejabberd's own rooms use MucSub, which
%% mod_offline stores). ejabberd_sm stores none and bounces it, so for a
%% message the enablement's group chat filter or notify_on lets through the
%% push is all the user will see. As Prosody's binding does.
bounce_sm_packet({bounce, #message{type = groupchat, to = #jid{luser = U, lserver = S}} = Msg} = Acc) when U /= <<>> ->
    held(jid:encode(jid:make(U, S)), Msg, offline),
    Acc;
bounce_sm_packet(Acc) ->
    Acc.

%% ---- Sessions ------------------------------------------------------------------

sm_register_connection_hook(_SID, JID, _Info) ->
    _ = call(session_online, [jid:encode(JID)]),
    ok.

%% Not when another session holds the same full JID (the one that resumed
%% this one, or replaced it), and not while ejabberd stops: hibernating
%% sessions closed by the shutdown stay pending in the engine, so that the
%% next start sends their restart wake.
sm_remove_connection_hook(_SID, #jid{luser = U, lserver = S, lresource = R} = JID, _Info) ->
    case persistent_term:get(?STOPPING_KEY, false) orelse ejabberd_sm:get_session_pid(U, S, R) /= none of
        true -> ok;
        false -> _ = call(session_closed, [jid:encode(JID)]), ok
    end.

ejabberd_stopping() ->
    persistent_term:put(?STOPPING_KEY, true).

%% XEP-0198 hibernation: the engine says how long to keep a push-enabled
%% session, and the resumption timeout becomes that (mod_push_keepalive's
%% job); resumption restores the configured one.
c2s_session_pending(#{jid := JID} = State) ->
    Full = jid:encode(JID),
    case call(session_pending, [Full]) of
        {ok, Timeout} when Timeout > 0 ->
            ?INFO_MSG("Push-enabled session ~ts is pending; kept ~B s", [Full, Timeout]),
            Orig = mod_stream_mgmt:get_resume_timeout(State),
            State1 = mod_stream_mgmt:set_resume_timeout(State, Timeout * 1000),
            report_unacked(Full, State),
            State1#{nudge_push => true, nudge_resume_timeout_orig => Orig};
        {ok, 0} ->
            State;
        {error, Code} ->
            ?WARNING_MSG("session_pending(~ts) failed: ~p", [Full, Code]),
            State
    end;
c2s_session_pending(State) ->
    State.

%% What the client had not acknowledged when its connection was found dead
%% may never have reached the phone: the engine judges it now, as for
%% Prosody's binding (it counts a stanza it was told of already once).
%% mod_stream_mgmt keeps them as {Number, Time, Stanza}.
report_unacked(Full, #{mgmt_queue := Queue}) ->
    lists:foreach(fun({_N, _T, Pkt}) -> unacked(Full, Pkt); (_) -> ok end, p1_queue:to_list(Queue));
report_unacked(_Full, _State) ->
    ok.

unacked(Full, #message{} = Msg) -> held(Full, Msg, queued);
unacked(Full, #presence{type = subscribe} = Pres) -> held(Full, Pres, queued);
unacked(Full, #xmlel{} = El) ->
    try xmpp:decode(El) of
        Pkt -> unacked(Full, Pkt)
    catch _:_ -> ok
    end;
unacked(_Full, _Pkt) ->
    ok.

c2s_session_resumed(#{jid := JID} = State) ->
    _ = call(session_resumed, [jid:encode(JID)]),
    State1 = maps:remove(nudge_push, State),
    case maps:take(nudge_resume_timeout_orig, State1) of
        {Orig, State2} -> mod_stream_mgmt:set_resume_timeout(State2, Orig);
        error -> State1
    end;
c2s_session_resumed(State) ->
    State.

%% The resuming process inherits the hibernating one's resumption timeout,
%% so it inherits what to restore it to.
c2s_copy_session(State, #{nudge_resume_timeout_orig := Orig}) ->
    State#{nudge_resume_timeout_orig => Orig};
c2s_copy_session(State, _OldState) ->
    State.

%% A stanza queued for a hibernating push-enabled session.
c2s_handle_send(#{mgmt_state := pending, nudge_push := true, jid := JID} = State, Pkt, _Result) ->
    case xmpp:is_stanza(Pkt) of
        true -> held(jid:encode(JID), Pkt, queued);
        false -> ok
    end,
    State;
c2s_handle_send(State, _Pkt, _Result) ->
    State.

%% Stored for offline delivery.
offline_message({offlined, #message{to = #jid{luser = U, lserver = S}} = Msg} = Acc) ->
    held(jid:encode(jid:make(U, S)), Msg, offline),
    Acc;
offline_message(Acc) ->
    Acc.

%% Archived while no session of the user can take it. mod_offline usually
%% reports the same message; the engine pushes it once. The offline copy
%% carries the archive's stanza-id, so an id-less archived copy gets it too.
store_mam_message(#message{} = Msg, U, S, _Peer, _Nick, chat, recv) ->
    case ejabberd_sm:get_user_resources(U, S) of
        [] ->
            Bare = jid:make(U, S),
            held(jid:encode(Bare), with_stanza_id(Msg, Bare), archived);
        _ ->
            ok
    end,
    Msg;
store_mam_message(Pkt, _U, _S, _Peer, _Nick, _Type, _Dir) ->
    Pkt.

with_stanza_id(#message{id = Id} = Msg, Bare) when Id == <<>>; Id == undefined ->
    case xmpp:get_meta(Msg, stanza_id, undefined) of
        undefined -> Msg;
        SID -> xmpp:append_subtags(Msg, [#stanza_id{by = Bare, id = integer_to_binary(SID)}])
    end;
with_stanza_id(Msg, _Bare) ->
    Msg.

held(User, Pkt, Where) ->
    case call(stanza_held, [User, xml(Pkt), with_sender(User, Pkt, Where)]) of
        ok -> ok;
        {error, closed} -> ok;
        {error, Code} -> ?WARNING_MSG("stanza_held(~ts, ~ts) failed: ~p", [User, Where, Code])
    end.

%% The sender's place in the user's roster, when an enablement of the user
%% ignores senders not in it (Tigase's tigase:push:filter:ignore-unknown:0):
%% as Tigase's IgnoreFromUnknownFilter, a stranger has no roster item, or
%% one with no subscription and only their own request pending.
%% mod_roster:get_roster/2 is ejabberd's cached read of the roster.
with_sender(_User, #message{type = groupchat}, Where) ->
    Where;    % group chats are exempt: no need to look
with_sender(User, Pkt, Where) ->
    case {call(wants_sender_roster, [User]), xmpp:get_from(Pkt)} of
        {{ok, true}, #jid{} = From} ->
            #jid{luser = U, lserver = S} = jid:decode(User),
            case gen_mod:is_loaded(S, mod_roster) of
                true -> {Where, roster_place(U, S, jid:tolower(jid:remove_resource(From)))};
                false -> Where
            end;
        _ ->
            Where
    end.

roster_place(U, S, LFrom) ->
    case lists:keyfind(LFrom, #roster.jid, mod_roster:get_roster(U, S)) of
        #roster{subscription = none, ask = in} -> stranger;
        #roster{} -> contact;
        false -> stranger
    end.

%% ---- Accounts ---------------------------------------------------------------------

%% A deleted account leaves nothing behind in the engine (as mod_push's
%% sessions go with it): one queued change, no wait for its commit.
remove_user(LUser, LServer) ->
    User = jid:encode(jid:make(LUser, LServer)),
    case call(user_removed, [User]) of
        ok -> ok;
        {error, Code} -> ?WARNING_MSG("Cannot forget the push state of deleted account ~ts: ~p", [User, Code])
    end.

%% ---- Group chat nicknames -------------------------------------------------------

%% So that the engine can tell a mention: a session joining a room (presence
%% with <x xmlns='http://jabber.org/protocol/muc'/>) or leaving it.
user_send_packet({#presence{to = #jid{lresource = Nick} = To, type = Type} = Pres,
                  #{jid := JID}} = Acc) when Nick /= <<>> ->
    Room = jid:encode(jid:remove_resource(To)),
    User = jid:encode(jid:remove_resource(JID)),
    case Type of
        available ->
            case xmpp:has_subtag(Pres, #muc{}) of
                true -> _ = call(set_room_nick, [User, Room, Nick]), Acc;
                false -> Acc
            end;
        unavailable ->
            _ = call(set_room_nick, [User, Room, undefined]),
            Acc;
        _ ->
            Acc
    end;
user_send_packet({#message{} = Msg, #{jid := JID}} = Acc) ->
    activity(jid:encode(JID), Msg),
    Acc;
user_send_packet(Acc) ->
    Acc.

%% ---- Session activity ----------------------------------------------------------

%% A message the session sent, for Push 2.0 grace periods (no push while
%% another of the user's sessions was active within that many seconds):
%% encoded only while an enablement of the user has one
%% (nudge_wants_session_activity, from memory); the engine decides which
%% messages show the user at the device.
activity(Full, Msg) ->
    case call(wants_session_activity, [Full]) of
        {ok, true} ->
            case call(session_activity, [Full, xml(Msg)]) of
                ok -> ok;
                {error, closed} -> ok;
                {error, Code} -> ?DEBUG("session_activity(~ts) failed: ~p", [Full, Code])
            end;
        _ ->
            ok
    end.

%% ---- Discovery -------------------------------------------------------------------

%% What the engine adds to an account's disco#info (nudge_account_disco):
%% the feature, and to the account's own user the push options form.
disco_sm_features(empty, From, To, Node, Lang) ->
    disco_sm_features({result, []}, From, To, Node, Lang);
disco_sm_features({result, Features}, From, #jid{luser = U} = To, <<"">>, _Lang) when U /= <<"">> ->
    {result, Features ++ [Var || #xmlel{name = <<"feature">>} = El <- account_disco(From, To),
                                 Var <- [fxml:get_tag_attr_s(<<"var">>, El)], Var /= <<"">>]};
disco_sm_features(Acc, _From, _To, _Node, _Lang) ->
    Acc.

disco_info(Acc, From, #jid{luser = U} = To, <<"">>, _Lang) when U /= <<"">> ->
    Acc ++ [xmpp:decode(El) || #xmlel{name = <<"x">>} = El <- account_disco(From, To)];
disco_info(Acc, _From, _To, _Node, _Lang) ->
    Acc.

account_disco(From, To) ->
    case call(account_disco, [jid:encode(jid:remove_resource(To)), jid:encode(From)]) of
        {ok, Xml} ->
            case fxml_stream:parse_element(Xml) of
                #xmlel{children = Children} -> [C || #xmlel{} = C <- Children];
                _ -> []
            end;
        {error, _} ->
            []
    end.
