/// What opening a store found, for the engine's first log lines and its
/// restart handling.
public struct OpenReport: Sendable, Equatable {
    /// Reader slots of dead processes that `mdb_reader_check` freed.
    public var staleReadersCleared: Int
    /// Whether the previous process closed the store cleanly; nil for a
    /// store created by this open.
    public var previousShutdownClean: Bool?
    /// Whether this open created the schema (a new store).
    public var schemaCreated: Bool
    /// The schema version the store was migrated from, if it was.
    public var migratedFrom: UInt32?

    /// Whether this open gave an existing store (from before markers) its
    /// `nudge-store` marker.
    public var markerAdded: Bool

    /// Creates a report.
    public init(staleReadersCleared: Int, previousShutdownClean: Bool?, schemaCreated: Bool, migratedFrom: UInt32?,
                markerAdded: Bool = false) {
        self.markerAdded = markerAdded
        self.staleReadersCleared = staleReadersCleared
        self.previousShutdownClean = previousShutdownClean
        self.schemaCreated = schemaCreated
        self.migratedFrom = migratedFrom
    }
}
