/// A failure of the store, precise enough to show to an operator as is.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently to each.
    public enum Kind: Sendable, Equatable {
        /// The disk is full (ENOSPC, EFBIG, EDQUOT) or the map reached
        /// `maxMapSizeMB`. The write that met it changed nothing.
        case full
        /// Any other system or LMDB failure.
        case io
        /// A record or key that cannot be decoded, or an LMDB file that is
        /// damaged.
        case corrupt
        /// The store was written by a newer Nudge.
        case schemaTooNew
        /// Another process holds the store.
        case locked
        /// The store's server cannot be reached: refused, lost, shutting
        /// down or read-only (PostgreSQL). Nothing of the failed call was
        /// committed, unless the message says the outcome is unknown; the
        /// next call reconnects.
        case unavailable
        /// The caller asked for something the store cannot do (an empty or
        /// over-long key, a closed store, bad options).
        case invalidArgument
    }

    /// What went wrong.
    public let kind: Kind
    /// The errno or `MDB_*` code behind the failure; 0 when there is none.
    public let code: Int32
    /// What happened and to which file, e.g.
    /// "cannot write /var/lib/nudge/data.mdb: No space left on device".
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, code: Int32 = 0, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
