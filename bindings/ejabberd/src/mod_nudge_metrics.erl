%%%----------------------------------------------------------------------
%%% mod_nudge_metrics: the engine's counters as OpenMetrics text, for
%%% `ejabberdctl nudge_metrics`.
%%%
%%% ejabberd 23.01 has no metrics exporter, and its own statistics
%%% (`ejabberdctl stats`, mod_stats) are a fixed list a module cannot add
%%% to. What an operator scrapes is text a collector already reads: this
%%% command prints OpenMetrics (which node_exporter's textfile collector
%%% and Prometheus read), under the names Prosody shows with its own
%%% prefix (prosody_mod_nudge__ there, nudge_ here; README, "Metrics").
%%%----------------------------------------------------------------------
-module(mod_nudge_metrics).

-export([render/1]).

-define(GAUGES, [{users_enabled, "Users with push enabled"},
                 {enablements, "Push enablements (one per device and account)"},
                 {sessions_pending, "Push-enabled sessions pending (hibernating)"},
                 {publishes_in_flight, "Publishes awaiting the app server's answer"},
                 {events_waiting, "Engine events not yet drained by ejabberd"},
                 {writer_queue, "Changes waiting for the engine's next disk commit"},
                 {registrations, "Devices registered at the built-in app server"},
                 {outbox, "Deliveries to vendors not yet done (waiting or in flight)"}]).
%% The engine's key, the metric's name, its label and its help.
-define(LABELLED, [{<<"pushes">>, "pushes", "reason", "Pushes published, by reason"},
                   {<<"errors">>, "errors", "kind", "Errors, by kind"},
                   {<<"held">>, "held_stanzas_judged", "outcome", "Stanzas held for pending users, by outcome"},
                   {<<"retries">>, "retries", "kind", "Deliveries and publishes to be tried again, by kind"}]).

%% Stats: nudge_stats_json()'s document, decoded to maps.
-spec render(map()) -> iolist().
render(Stats) ->
    [[gauge(atom_to_list(Name), Help, [{[], num(Stats, atom_to_binary(Name))}]) || {Name, Help} <- ?GAUGES],
     store(maps:get(<<"store">>, Stats, #{})),
     counter("deliveries", "Pushes delivered to a vendor", [{[], num(Stats, <<"deliveries">>)}]),
     [counter(Name, Help, [{[{Label, K}], V} || {K, V} <- sorted(maps:get(Key, Stats, #{}))])
      || {Key, Name, Label, Help} <- ?LABELLED],
     counter("vendor_answers", "Vendor answers (and transport failures), by vendor, verdict and HTTP status",
             [{[{"vendor", Vendor}, {"verdict", Verdict}, {"status", Status}], N}
              || {Vendor, Verdicts} <- sorted(maps:get(<<"vendor_answers">>, Stats, #{})),
                 {Verdict, Statuses} <- sorted(Verdicts),
                 {Status, N} <- sorted(Statuses)]),
     latency(maps:get(<<"stanza_to_vendor_latency">>, Stats, #{})),
     "# EOF\n"].

store(Store) ->
    Family = "nudge_store_bytes",
    [meta(Family, "gauge", "The engine's LMDB store"), "# UNIT ", Family, " bytes\n",
     sample(Family, [{"kind", <<"used">>}], num(Store, <<"used_bytes">>)),
     sample(Family, [{"kind", <<"map">>}], num(Store, <<"map_bytes">>))].

latency(#{<<"bounds_ms">> := Bounds, <<"buckets">> := Buckets} = H) when length(Bounds) =:= length(Buckets) ->
    Family = "nudge_stanza_to_vendor_latency_seconds",
    Count = num(H, <<"count">>),
    [meta(Family, "histogram", "From the stanza behind a push reaching the engine to the vendor's acceptance"),
     "# UNIT ", Family, " seconds\n",
     [sample(Family ++ "_bucket", [{"le", seconds(B)}], N) || {B, N} <- lists:zip(Bounds, Buckets)],
     sample(Family ++ "_bucket", [{"le", "+Inf"}], Count),
     sample(Family ++ "_count", [], Count),
     sample(Family ++ "_sum", [], num(H, <<"sum_ms">>) / 1000)];
latency(_) -> [].

gauge(Name, Help, Samples) ->
    Family = "nudge_" ++ Name,
    [meta(Family, "gauge", Help), [sample(Family, L, V) || {L, V} <- Samples]].

counter(Name, Help, Samples) ->
    Family = "nudge_" ++ Name,
    [meta(Family, "counter", Help), [sample(Family ++ "_total", L, V) || {L, V} <- Samples]].

meta(Family, Type, Help) ->
    ["# HELP ", Family, " ", Help, "\n# TYPE ", Family, " ", Type, "\n"].

sample(Name, [], Value) -> [Name, " ", number(Value), "\n"];
sample(Name, Labels, Value) ->
    [Name, "{", lists:join(",", [[K, "=\"", escape(V), "\""] || {K, V} <- Labels]), "} ", number(Value), "\n"].

%% The engine's label values come from fixed sets; escaped all the same.
escape(V) when is_binary(V) -> escape(unicode:characters_to_list(V));
escape(V) -> lists:flatmap(fun($\\) -> "\\\\"; ($") -> "\\\""; ($\n) -> "\\n"; (C) -> [C] end, V).

seconds(Ms) when Ms rem 1000 =:= 0 -> integer_to_list(Ms div 1000);
seconds(Ms) -> float_to_list(Ms / 1000, [short]).

number(V) when is_integer(V) -> integer_to_list(V);
number(V) when is_float(V), V == trunc(V) -> integer_to_list(trunc(V));
number(V) when is_float(V) -> float_to_list(V, [short]).

num(Map, Key) ->
    case maps:get(Key, Map, 0) of
        V when is_number(V) -> V;
        _ -> 0
    end.

sorted(Map) when is_map(Map) -> lists:sort(maps:to_list(Map));
sorted(_) -> [].
