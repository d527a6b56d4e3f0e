/// The SQL of the PostgreSQL store: one table per `Table`, `bytea` key to
/// `bytea` value. `bytea` compares bytewise and then by length, as LMDB's
/// default order does, so the primary key's index returns scans in the
/// order the engine's keys are designed for.
enum PGSQL {
    /// `nudge_enable`, `nudge_reg_owner`, …: the `Table` raw value, which
    /// never changes, behind a prefix that keeps them apart from other
    /// applications' tables in a shared schema.
    static func name(_ table: Table) -> String { "nudge_\(table.rawValue)" }

    static func create(_ table: Table) -> String {
        "CREATE TABLE IF NOT EXISTS \(name(table)) (key bytea PRIMARY KEY, value bytea NOT NULL)"
    }

    /// The nodes sharing the database and when each last said it was alive.
    static let createNodes = "CREATE TABLE IF NOT EXISTS nudge_nodes (node_id text PRIMARY KEY, last_seen timestamptz NOT NULL)"

    /// The outbox's columns beside the opaque value that the nodes decide
    /// by: which node holds the job, and from when it may be sent (the
    /// record's `notBefore`, copied at every put).
    static let outboxColumns = "ALTER TABLE nudge_outbox ADD COLUMN IF NOT EXISTS lease_node text, ADD COLUMN IF NOT EXISTS not_before int8"

    /// A summary's follow-up time (the record's `followUpAt`) as a column,
    /// so that the follow-up of a node that died is found and sent.
    static let summaryColumns = "ALTER TABLE nudge_summary ADD COLUMN IF NOT EXISTS follow_up_at int8"
    static let putSummary = "WITH u AS (UPDATE nudge_summary SET value = $2::bytea, follow_up_at = $3::int8 WHERE key = $1::bytea RETURNING 1) INSERT INTO nudge_summary (key, value, follow_up_at) SELECT $1::bytea, $2::bytea, $3::int8 WHERE NOT EXISTS (SELECT 1 FROM u) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, follow_up_at = EXCLUDED.follow_up_at"

    /// Follow-ups overdue by more than a lease (`$1`: the engine's clock
    /// minus the lease): the node whose timer it was would have sent it.
    static let overdueFollowUps = "SELECT key FROM nudge_summary WHERE follow_up_at <= $1::int8 ORDER BY follow_up_at LIMIT 1000"

    /// Sessions written before the database had nodes become this node's.
    static let adoptSessions = "UPDATE nudge_session SET key = $1::bytea || key WHERE position('\\x00'::bytea IN key) = 0"

    /// A node's heartbeat, also its registration at open.
    static let heartbeat = "INSERT INTO nudge_nodes (node_id, last_seen) VALUES ($1::text, now()) ON CONFLICT (node_id) DO UPDATE SET last_seen = now()"

    /// A node closing cleanly leaves its jobs to the others at once.
    static let leave = "UPDATE nudge_nodes SET last_seen = '-infinity' WHERE node_id = $1::text"

    /// The session-level advisory lock that makes one engine the owner of
    /// a node id, as the flock on `<path>/lock` does for an LMDB
    /// directory: "nudg" in ASCII and the id's hash. Advisory locks are
    /// per database, so two databases on one server do not collide.
    static let nodeLock = "SELECT pg_try_advisory_lock(1853191271, hashtext($1::text))"

    /// Takes a job that is free, this node's, or held by a dead node.
    static func claim(_ node: PGNode) -> String {
        "UPDATE nudge_outbox o SET lease_node = $2::text WHERE key = $1::bytea AND (lease_node IS NULL OR lease_node = $2::text OR NOT EXISTS (SELECT 1 FROM nudge_nodes n WHERE n.node_id = o.lease_node AND \(node.liveNode)))"
    }

    /// Jobs due by `$1` (the engine's clock) held by no live node but this
    /// one: a dead node's, to be claimed by whichever node gets there first.
    static func orphans(_ node: PGNode) -> String {
        "SELECT key FROM nudge_outbox o WHERE not_before <= $1::int8 AND lease_node IS DISTINCT FROM $2::text AND NOT EXISTS (SELECT 1 FROM nudge_nodes n WHERE n.node_id = o.lease_node AND \(node.liveNode)) ORDER BY key LIMIT 1000"
    }

    /// An outbox job, with the columns the nodes decide by; a new one is
    /// held by the node that made it.
    static let putOutbox = "WITH u AS (UPDATE nudge_outbox SET value = $2::bytea, not_before = $3::int8 WHERE key = $1::bytea RETURNING 1) INSERT INTO nudge_outbox (key, value, not_before, lease_node) SELECT $1::bytea, $2::bytea, $3::int8, $4::text WHERE NOT EXISTS (SELECT 1 FROM u) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, not_before = EXCLUDED.not_before"

    /// Outbox sequence numbers, so that nodes appending at once do not
    /// conflict on the `meta` counter. Started past that counter at open.
    static let createOutboxSequence = "CREATE SEQUENCE IF NOT EXISTS nudge_outbox_seq AS bigint"
    static let nextOutboxSequence = "SELECT nextval('nudge_outbox_seq')"
    /// Moves the sequence up to `$1` (the next number to hand out), never down.
    static let raiseOutboxSequence = "SELECT setval('nudge_outbox_seq', $1::int8, false) FROM nudge_outbox_seq WHERE (CASE WHEN is_called THEN last_value + 1 ELSE last_value END) < $1::int8"

    /// Channel of enablement changes; the payload is `node_id user`.
    static let enableChannel = "nudge_enable"
    static let notifyEnable = "SELECT pg_notify('nudge_enable', $1::text)"

    static func get(_ table: Table) -> String { statements[table]!.get }
    static func put(_ table: Table) -> String { statements[table]!.put }
    static func delete(_ table: Table) -> String { statements[table]!.delete }
    /// `bounded`: the range has an end (`prefixEnd`); two statements rather
    /// than one with `$2 IS NULL OR …`, whose generic plan (prepared
    /// statements get one) could not stop the index scan at the end.
    static func scan(_ table: Table, bounded: Bool) -> String {
        bounded ? statements[table]!.scanBounded : statements[table]!.scanFrom
    }
    static func count(_ table: Table) -> String { statements[table]!.count }

    private struct Statements {
        let get, put, delete, scanBounded, scanFrom, count: String
        init(_ t: String) {
            get = "SELECT value FROM \(t) WHERE key = $1"
            // An existing row is updated, so that a transaction writing a
            // row another node changed or deleted since its snapshot fails
            // with a serialization failure and runs again; a new row is
            // inserted, and one another node inserted meanwhile conflicts
            // the same way (REPEATABLE READ).
            put = "WITH u AS (UPDATE \(t) SET value = $2::bytea WHERE key = $1::bytea RETURNING 1) INSERT INTO \(t) (key, value) SELECT $1::bytea, $2::bytea WHERE NOT EXISTS (SELECT 1 FROM u) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
            delete = "DELETE FROM \(t) WHERE key = $1"
            scanBounded = "SELECT key, value FROM \(t) WHERE key >= $1 AND key < $2 ORDER BY key LIMIT $3"
            // No key ends the range: the empty prefix, or one of 0xFF bytes only.
            scanFrom = "SELECT key, value FROM \(t) WHERE key >= $1 ORDER BY key LIMIT $2"
            count = "SELECT count(*) FROM \(t)"
        }
    }

    private static let statements: [Table: Statements] = Dictionary(
        uniqueKeysWithValues: Table.allCases.map { ($0, Statements(name($0))) })

    /// The least key greater than every key starting with `prefix`: the
    /// prefix with its last byte below 0xFF incremented and what follows
    /// dropped; nil when there is none.
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return nil
    }

    /// A binary int8 parameter.
    static func int8(_ n: Int) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: Int64(n) >> ($0 * 8)) }
    }


    /// Bytes of every table with its indexes and TOAST, for `stats`.
    static var totalBytes: String {
        "SELECT (" + Table.allCases.map { "pg_total_relation_size('\(name($0))')" }.joined(separator: " + ") + ")::int8"
    }
}
