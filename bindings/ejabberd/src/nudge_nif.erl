%%%----------------------------------------------------------------------
%%% nudge_nif: libnudge's C ABI (include/nudge.h) for Erlang.
%%%
%%% One function per C call; c_src/nudge_nif.c implements them. The engine
%%% is a resource: closing it twice is harmless, and an engine nobody
%%% references any more is closed by the garbage collector. open/1, close/1
%%% and admin/2 may wait on disk and run on dirty I/O schedulers; the rest
%%% never block.
%%%
%%% The process that calls open/1 owns the engine: a thread of the NIF
%%% waits on the engine's event fd and sends it every event as
%%%
%%%   {nudge_event, stanza, Xml, To}             a stanza to route
%%%   {nudge_event, disabled, Json, UserBareJid} an enablement is gone
%%%   {nudge_event, log, Level, Line}            debug | info | warn | error
%%%   {nudge_event, {unknown, Kind}, Data, Target}
%%%
%%% Failures are {error, Code}, Code an atom named after the C code
%%% (einval, exml, ejid, ebusy, enotfor, ...), or {error, closed} after
%%% close/1. Wrong argument types, and JIDs or JSON with a NUL byte, raise
%%% badarg.
%%%----------------------------------------------------------------------
-module(nudge_nif).

-export([open/1, close/1, handle_stanza/2,
         session_online/2, session_pending/2, session_resumed/2, session_closed/2,
         set_room_nick/4, wants_sender_roster/2, wants_session_activity/2, session_activity/3, stanza_held/4, stats/1, metrics/1, admin/2, user_removed/2, account_disco/3, info/1,
         config_schema/0, version/0, strerror/1]).

-on_load(load/0).

-type engine() :: reference().
-type code() :: atom() | integer().
-type held() :: queued | offline | archived.
%% The sender's place in the user's roster, when wants_sender_roster/2 asked.
-type sender() :: contact | stranger.
-export_type([engine/0, code/0, held/0, sender/0]).

%% The shared object sits in ../priv/lib beside this module's ebin, both in
%% the build tree and where `make install` puts them.
load() ->
    Ebin = filename:dirname(code:which(?MODULE)),
    Path = filename:join([Ebin, "..", "priv", "lib", "nudge_nif"]),
    erlang:load_nif(Path, 0).

-define(NOT_LOADED, erlang:nif_error({not_loaded, ?MODULE})).

-spec open(iodata()) -> {ok, engine()} | {error, code(), binary()}.
open(_ConfigJson) -> ?NOT_LOADED.

-spec close(engine()) -> ok.
close(_Engine) -> ?NOT_LOADED.

-spec handle_stanza(engine(), iodata()) -> ok | {error, code()}.
handle_stanza(_Engine, _Xml) -> ?NOT_LOADED.

-spec session_online(engine(), binary()) -> ok | {error, code()}.
session_online(_Engine, _FullJid) -> ?NOT_LOADED.

%% TimeoutS: how long to keep the hibernating session; 0 keeps the host's.
-spec session_pending(engine(), binary()) -> {ok, non_neg_integer()} | {error, code()}.
session_pending(_Engine, _FullJid) -> ?NOT_LOADED.

-spec session_resumed(engine(), binary()) -> ok | {error, code()}.
session_resumed(_Engine, _FullJid) -> ?NOT_LOADED.

-spec session_closed(engine(), binary()) -> ok | {error, code()}.
session_closed(_Engine, _FullJid) -> ?NOT_LOADED.

-spec set_room_nick(engine(), binary(), binary(), binary() | undefined) -> ok | {error, code()}.
set_room_nick(_Engine, _User, _Room, _Nick) -> ?NOT_LOADED.

%% Whether the host should look the sender of a stanza held for the user
%% up in the user's roster (nudge_wants_sender_roster: an enablement ignores
%% senders not in it). From memory.
-spec wants_sender_roster(engine(), binary()) -> {ok, boolean()} | {error, code()}.
wants_sender_roster(_Engine, _UserJid) -> ?NOT_LOADED.

%% Whether the host should hand the engine the messages the user's sessions
%% send (nudge_wants_session_activity: an enablement has a Push 2.0 grace
%% period). From memory.
-spec wants_session_activity(engine(), binary()) -> {ok, boolean()} | {error, code()}.
wants_session_activity(_Engine, _UserJid) -> ?NOT_LOADED.

%% A message the session FullJid sent (nudge_session_activity). From memory.
-spec session_activity(engine(), binary(), iodata()) -> ok | {error, code()}.
session_activity(_Engine, _FullJid, _Xml) -> ?NOT_LOADED.

%% UserJid: the session's full JID with queued, the bare JID otherwise.
-spec stanza_held(engine(), binary(), iodata(), held() | {held(), sender()}) -> ok | {error, code()}.
stanza_held(_Engine, _UserJid, _Xml, _Where) -> ?NOT_LOADED.

-spec stats(engine()) -> {ok, binary()} | {error, code()}.
stats(_Engine) -> ?NOT_LOADED.

%% The engine's figures as OpenMetrics families (nudge_metrics_text), without "# EOF".
-spec metrics(engine()) -> {ok, binary()} | {error, code()}.
metrics(_Engine) -> ?NOT_LOADED.

%% The engine's reply is returned on failure too, when it formed one.
-spec admin(engine(), iodata()) -> {ok, binary()} | {error, code(), binary()} | {error, code()}.
admin(_Engine, _RequestJson) -> ?NOT_LOADED.

%% The account was deleted: the engine forgets everything it keeps for it.
-spec user_removed(engine(), binary()) -> ok | {error, code()}.
user_removed(_Engine, _BareJid) -> ?NOT_LOADED.

%% What push adds to the account's disco#info: a disco#info <query/>.
-spec account_disco(engine(), binary(), binary() | undefined) -> {ok, binary()} | {error, code()}.
account_disco(_Engine, _AccountJid, _RequesterJid) -> ?NOT_LOADED.

%% How to route to an engine with this configuration (nudge_info), as JSON.
-spec info(iodata()) -> {ok, binary()} | {error, code(), binary()}.
info(_ConfigJson) -> ?NOT_LOADED.

%% Every configuration key: type, range, default, meaning, the native option
%% that sets it (nudge_config_schema), as JSON.
-spec config_schema() -> {ok, binary()} | {error, code()}.
config_schema() -> ?NOT_LOADED.

-spec version() -> binary().
version() -> ?NOT_LOADED.

%% Code: a result code as an integer, or as the atom this module returns.
-spec strerror(code()) -> binary().
strerror(_Code) -> ?NOT_LOADED.
