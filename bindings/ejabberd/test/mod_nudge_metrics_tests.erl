%%% The engine's counters as OpenMetrics text (mod_nudge_metrics); the
%%% end-to-end check is tests/ejabberd (ejabberdctl nudge_metrics).
-module(mod_nudge_metrics_tests).

-include_lib("eunit/include/eunit.hrl").

text(Stats) -> unicode:characters_to_list(mod_nudge_metrics:render(Stats)).

lines(Stats) -> string:split(text(Stats), "\n", all).

ends_with_eof_test() ->
    ?assertMatch([_ | _], string:find(text(#{}), "\n# EOF\n")),
    ?assertEqual("# EOF\n", lists:nthtail(length(text(#{})) - 6, text(#{}))).

counters_carry_total_and_labels_test() ->
    L = lines(#{<<"deliveries">> => 3,
                <<"vendor_answers">> => #{<<"fcm">> => #{<<"retry">> => #{<<"503">> => 2, <<"none">> => 1}}}}),
    ?assert(lists:member("nudge_deliveries_total 3", L)),
    ?assert(lists:member("nudge_vendor_answers_total{vendor=\"fcm\",verdict=\"retry\",status=\"503\"} 2", L)),
    ?assert(lists:member("nudge_vendor_answers_total{vendor=\"fcm\",verdict=\"retry\",status=\"none\"} 1", L)).

label_values_are_escaped_test() ->
    L = lines(#{<<"errors">> => #{<<"a\"b\\c\nd">> => 1}}),
    ?assert(lists:member("nudge_errors_total{kind=\"a\\\"b\\\\c\\nd\"} 1", L)).

latency_is_a_histogram_in_seconds_test() ->
    L = lines(#{<<"stanza_to_vendor_latency">> => #{<<"bounds_ms">> => [250, 1000], <<"buckets">> => [1, 2],
                                             <<"count">> => 3, <<"sum_ms">> => 1500}}),
    ?assert(lists:member("nudge_stanza_to_vendor_latency_seconds_bucket{le=\"0.25\"} 1", L)),
    ?assert(lists:member("nudge_stanza_to_vendor_latency_seconds_bucket{le=\"1\"} 2", L)),
    ?assert(lists:member("nudge_stanza_to_vendor_latency_seconds_bucket{le=\"+Inf\"} 3", L)),
    ?assert(lists:member("nudge_stanza_to_vendor_latency_seconds_count 3", L)),
    ?assert(lists:member("nudge_stanza_to_vendor_latency_seconds_sum 1.5", L)).
