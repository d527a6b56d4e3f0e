extension LMDBStore {
    /// How to open a store; the `store` object of the configuration.
    public struct Options: Sendable {
        /// The store directory (`store.path`), created with mode 0700 if missing.
        public var path: String
        /// The initial map size in MB (`store.map_size_mb`). The map grows
        /// on demand, so this only saves the first few doublings.
        public var mapSizeMB: Int = 64
        /// The size the map may grow to, in MB (`store.max_map_size_mb`);
        /// beyond it writes fail with `.full`.
        public var maxMapSizeMB: Int = 65_536
        /// Whether every commit is synced to disk. `false` opens with
        /// MDB_NOSYNC and may lose the latest commits in a crash: only for
        /// tests and benchmarks.
        public var durable: Bool = true

        /// Options for the store in `path`, with defaults for the rest.
        public init(path: String) {
            self.path = path
        }
    }
}
