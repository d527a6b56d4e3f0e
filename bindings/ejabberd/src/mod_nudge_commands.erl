%%%----------------------------------------------------------------------
%%% mod_nudge_commands: ejabberdctl (ejabberd_commands) commands of mod_nudge.
%%%
%%%   ejabberdctl nudge_list USER HOST          enablements, options (JSON)
%%%   ejabberdctl nudge_remove USER HOST SERVICE NODE
%%%   ejabberdctl nudge_test_push USER HOST     one push per enablement
%%%   ejabberdctl nudge_stats                   the engine's counters (JSON)
%%%   ejabberdctl nudge_metrics                 the same as OpenMetrics text (nudge_metrics_text)
%%%   ejabberdctl nudge_verify                  check every page and record of the store
%%%   ejabberdctl nudge_backup PATH             compacted copy into a new or empty directory
%%%
%%% Each prints the engine's JSON reply (nudge_admin, include/nudge.h) and
%%% exits non-zero when the engine answers "ok": false. remove and test-push
%%% wait for the engine's disk commit, and verify and backup read the whole
%%% store, which a command may: they run on a dirty scheduler, in the
%%% process ejabberd_ctl runs commands in.
%%%----------------------------------------------------------------------
-module(mod_nudge_commands).

-export([register/0, unregister/0]).
-export([list/2, remove/4, test_push/2, stats/0, metrics/0, verify/0, backup/1]).

-include("ejabberd_commands.hrl").

register() ->
    ejabberd_commands:register_commands(?MODULE, specs()).

unregister() ->
    ejabberd_commands:unregister_commands(specs()).

specs() ->
    User = [{user, binary}, {host, binary}],
    [#ejabberd_commands{name = nudge_list, tags = [nudge],
                        desc = "List a user's push enablements and push options (JSON)",
                        module = ?MODULE, function = list, args = User,
                        args_example = [<<"juliet">>, <<"example.net">>],
                        args_desc = ["User name", "Server name"],
                        result = {reply, restuple}},
     #ejabberd_commands{name = nudge_remove, tags = [nudge],
                        desc = "Remove one push enablement of a user",
                        module = ?MODULE, function = remove,
                        args = User ++ [{service, binary}, {node, binary}],
                        args_example = [<<"juliet">>, <<"example.net">>, <<"push.example.net">>, <<"NODE">>],
                        args_desc = ["User name", "Server name", "App server JID", "Node"],
                        result = {reply, restuple}},
     #ejabberd_commands{name = nudge_test_push, tags = [nudge],
                        desc = "Send a test push to every enablement of a user",
                        module = ?MODULE, function = test_push, args = User,
                        args_example = [<<"juliet">>, <<"example.net">>],
                        args_desc = ["User name", "Server name"],
                        result = {reply, restuple}},
     #ejabberd_commands{name = nudge_stats, tags = [nudge, stats],
                        desc = "Print the push engine's counters and gauges (JSON)",
                        module = ?MODULE, function = stats, args = [],
                        result = {reply, restuple}},
     #ejabberd_commands{name = nudge_metrics, tags = [nudge, stats],
                        desc = "Print the push engine's counters and gauges as OpenMetrics text",
                        longdesc = "For a collector that reads text, such as node_exporter's textfile collector.",
                        module = ?MODULE, function = metrics, args = [],
                        result = {reply, restuple}},
     #ejabberd_commands{name = nudge_verify, tags = [nudge],
                        desc = "Check every page and record of the push store",
                        module = ?MODULE, function = verify, args = [],
                        result = {reply, restuple}},
     #ejabberd_commands{name = nudge_backup, tags = [nudge],
                        desc = "Write a compacted copy of the push store into a new or empty directory",
                        module = ?MODULE, function = backup, args = [{path, binary}],
                        args_example = [<<"/var/backups/nudge/2026-12-02">>],
                        args_desc = ["Backup directory (must not exist, or be empty)"],
                        result = {reply, restuple}}].

list(User, Host) ->
    admin(#{command => list, user => bare(User, Host)}).

remove(User, Host, Service, Node) ->
    admin(#{command => remove, user => bare(User, Host), jid => Service, node => Node}).

test_push(User, Host) ->
    admin(#{command => 'test-push', user => bare(User, Host)}).

stats() ->
    with_engine(fun nudge_nif:stats/1, fun binary_to_list/1).

%% ejabberd 23.01 has no metrics exporter, and its own statistics are a
%% fixed list a module cannot add to: what an operator scrapes is this
%% text (node_exporter's textfile collector reads it). ejabberd_ctl prints
%% a restuple's text with a newline of its own.
metrics() ->
    with_engine(fun nudge_nif:metrics/1,
                fun(Text) -> unicode:characters_to_list(Text) ++ "# EOF" end).

with_engine(Call, Format) ->
    case mod_nudge_engine:engine() of
        undefined -> {error, "the push engine is not running"};
        Engine ->
            case Call(Engine) of
                {ok, Text} -> {ok, Format(Text)};
                {error, Code} -> {error, atom_to_list(Code)}
            end
    end.

verify() ->
    admin(#{command => verify}).

backup(Path) ->
    admin(#{command => backup, path => Path}).

bare(User, Host) ->
    <<User/binary, "@", Host/binary>>.

admin(Request) ->
    case mod_nudge_engine:engine() of
        undefined -> {error, "the push engine is not running"};
        Engine ->
            case nudge_nif:admin(Engine, jiffy:encode(Request)) of
                {ok, Reply} -> {ok, binary_to_list(Reply)};
                {error, _Code, Reply} -> {error, binary_to_list(Reply)};
                {error, Code} -> {error, atom_to_list(Code)}
            end
    end.
