import CNudgeABI

// The compiler does not compare an @c function with a C declaration of
// the same name. These calls make it: each passes the header's type and
// the export's type as the same generic T, so any difference in a
// parameter, its optionality or the result is a compile error.
@inline(__always) private func same<T>(_ header: T.Type, _ export: T.Type) {}

func checkExportsAgainstHeader() {
    same(type(of: CNudgeABI.nudge_open), type(of: Nudge.nudge_open))
    same(type(of: CNudgeABI.nudge_check_config), type(of: Nudge.nudge_check_config))
    same(type(of: CNudgeABI.nudge_close), type(of: Nudge.nudge_close))
    same(type(of: CNudgeABI.nudge_strerror), type(of: Nudge.nudge_strerror))
    same(type(of: CNudgeABI.nudge_version), type(of: Nudge.nudge_version))
    same(type(of: CNudgeABI.nudge_free), type(of: Nudge.nudge_free))
    same(type(of: CNudgeABI.nudge_handle_stanza), type(of: Nudge.nudge_handle_stanza))
    same(type(of: CNudgeABI.nudge_session_online), type(of: Nudge.nudge_session_online))
    same(type(of: CNudgeABI.nudge_session_pending), type(of: Nudge.nudge_session_pending))
    same(type(of: CNudgeABI.nudge_session_resumed), type(of: Nudge.nudge_session_resumed))
    same(type(of: CNudgeABI.nudge_session_closed), type(of: Nudge.nudge_session_closed))
    same(type(of: CNudgeABI.nudge_set_room_nick), type(of: Nudge.nudge_set_room_nick))
    same(type(of: CNudgeABI.nudge_stanza_held), type(of: Nudge.nudge_stanza_held))
    same(type(of: CNudgeABI.nudge_wants_sender_roster), type(of: Nudge.nudge_wants_sender_roster))
    same(type(of: CNudgeABI.nudge_wants_session_activity), type(of: Nudge.nudge_wants_session_activity))
    same(type(of: CNudgeABI.nudge_session_activity), type(of: Nudge.nudge_session_activity))
    same(type(of: CNudgeABI.nudge_event_fd), type(of: Nudge.nudge_event_fd))
    same(type(of: CNudgeABI.nudge_next_event), type(of: Nudge.nudge_next_event))
    same(type(of: CNudgeABI.nudge_event_kind), type(of: Nudge.nudge_event_kind))
    same(type(of: CNudgeABI.nudge_event_data), type(of: Nudge.nudge_event_data))
    same(type(of: CNudgeABI.nudge_event_target), type(of: Nudge.nudge_event_target))
    same(type(of: CNudgeABI.nudge_event_level), type(of: Nudge.nudge_event_level))
    same(type(of: CNudgeABI.nudge_event_free), type(of: Nudge.nudge_event_free))
    same(type(of: CNudgeABI.nudge_stats_json), type(of: Nudge.nudge_stats_json))
    same(type(of: CNudgeABI.nudge_metrics_text), type(of: Nudge.nudge_metrics_text))
    same(type(of: CNudgeABI.nudge_admin), type(of: Nudge.nudge_admin))
    same(type(of: CNudgeABI.nudge_user_removed), type(of: Nudge.nudge_user_removed))
    same(type(of: CNudgeABI.nudge_account_disco), type(of: Nudge.nudge_account_disco))
    same(type(of: CNudgeABI.nudge_info), type(of: Nudge.nudge_info))
    same(type(of: CNudgeABI.nudge_config_schema), type(of: Nudge.nudge_config_schema))
}

/// Every result code of the header, NUDGE_LAST_ERRCODE to NUDGE_EMPTY:
/// each has its nudge_strerror() text (Tests/ABITests checks the enum).
let headerResultCodes: ClosedRange<Int32> = CNudgeABI.NUDGE_LAST_ERRCODE...CNudgeABI.NUDGE_EMPTY
