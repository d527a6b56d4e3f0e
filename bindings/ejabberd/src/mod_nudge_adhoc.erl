%%%----------------------------------------------------------------------
%%% mod_nudge_adhoc: the app server's registration commands on a virtual
%%% host of this server.
%%%
%%% When appserver.register_host is a domain of its own, it is routed to
%%% the engine as a whole. When it is one of the virtual hosts (as the
%%% engine's default, the first domain, and Prosody's binding have it),
%%% ejabberd's mod_adhoc owns its ad-hoc commands; this module takes the
%%% engine's (register-push-*, list-push-registrations, unregister-push)
%%% from mod_adhoc's hooks, hands each to the engine as the iq the client
%%% sent, and returns the engine's answer to mod_adhoc, which replies.
%%% The engine answers after its commit, so the caller (the client's own
%%% session process) waits a few milliseconds for it.
%%%----------------------------------------------------------------------
-module(mod_nudge_adhoc).

-export([start/2, stop/1, adhoc_local_commands/4, adhoc_local_items/4]).

-include("xmpp.hrl").
-include("translate.hrl").

%% Commands: the engine's, {Node, Name} (nudge_info), for disco.
-spec start(binary(), [{binary(), binary()}]) -> ok.
start(Host, Commands) ->
    persistent_term:put({?MODULE, Host}, Commands),
    %% Ahead of mod_adhoc's own commands, which answer every node they see.
    ejabberd_hooks:add(adhoc_local_commands, Host, ?MODULE, adhoc_local_commands, 40),
    ejabberd_hooks:add(adhoc_local_items, Host, ?MODULE, adhoc_local_items, 40).

-spec stop(binary()) -> ok.
stop(Host) ->
    ejabberd_hooks:delete(adhoc_local_commands, Host, ?MODULE, adhoc_local_commands, 40),
    ejabberd_hooks:delete(adhoc_local_items, Host, ?MODULE, adhoc_local_items, 40),
    _ = persistent_term:erase({?MODULE, Host}),
    ok.

is_push_command(Host, Node) ->
    lists:keymember(Node, 1, persistent_term:get({?MODULE, Host}, [])).

adhoc_local_commands(Acc, From, #jid{lserver = Host} = To, #adhoc_command{node = Node} = Request) ->
    case is_push_command(Host, Node) of
        true -> {stop, execute(From, To, Request)};
        false -> Acc
    end.

execute(From, To, Request) ->
    Id = <<"nudge-adhoc-", (integer_to_binary(erlang:unique_integer([positive])))/binary>>,
    IQ = #iq{type = set, id = Id, from = From, to = To, sub_els = [Request]},
    case mod_nudge_engine:request(IQ) of
        {ok, #iq{type = result, sub_els = [El]}} ->
            xmpp:decode(El);
        {ok, #iq{type = error} = Reply} ->
            {error, case xmpp:get_error(Reply) of
                        #stanza_error{} = Err -> Err;
                        undefined -> xmpp:err_internal_server_error()
                    end};
        {ok, _} ->
            {error, xmpp:err_internal_server_error()};
        {error, _} ->
            {error, xmpp:err_service_unavailable(?T("The push service is not available"), Request#adhoc_command.lang)}
    end.

%% The commands in disco#items of http://jabber.org/protocol/commands.
adhoc_local_items(Acc, _From, #jid{lserver = Host, server = Server}, _Lang) ->
    Items = case Acc of {result, I} -> I; _ -> [] end,
    Jid = jid:make(Server),
    {result, Items ++ [#disco_item{jid = Jid, node = Node, name = Name}
                       || {Node, Name} <- persistent_term:get({?MODULE, Host}, [])]}.
