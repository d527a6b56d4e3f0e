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
            put = "INSERT INTO \(t) (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
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

    /// The session-level advisory lock that makes one engine the owner of
    /// a database, as the flock on `<path>/lock` does for LMDB: "nudge" in
    /// ASCII. Advisory locks are per database, so two databases on one
    /// server do not collide.
    static let ownerLock = "SELECT pg_try_advisory_lock(474415916901)"

    /// Bytes of every table with its indexes and TOAST, for `stats`.
    static var totalBytes: String {
        "SELECT (" + Table.allCases.map { "pg_total_relation_size('\(name($0))')" }.joined(separator: " + ") + ")::int8"
    }
}
