extension Config.Store {
    /// The `store` section: where the LMDB store is and how large it may grow.
    static var section: SettingsSection<Config.Store> {
        SettingsSection(name: "store", settings: [
            Setting(name: "path", type: .string, unset: .required("required: the directory of the LMDB store"),
                    doc: "directory of the LMDB store (created, mode 0700). One engine per directory: a second process gets `NUDGE_ELOCKED`.",
                    option: "store_path") { r, key, store throws(ConfigError) in
                if let path = try r.string(key) { store.path = path }
            },
            .int("map_size_mb", \.mapSizeMB, min: 1, max: 1 << 20,
                 doc: "initial LMDB map size; grown automatically (doubled) when full"),
            .int("max_map_size_mb", \.maxMapSizeMB, min: 1, max: 1 << 24,
                 doc: "the map never grows past this; beyond it writes fail as \"full\""),
            .bool("sync", \.sync, doc: "`false` skips fsync (MDB_NOSYNC): only for tests and benchmarks"),
        ], check: { store throws(ConfigError) in
            guard store.maxMapSizeMB >= store.mapSizeMB else {
                throw ConfigError("store.max_map_size_mb", "must be at least store.map_size_mb (\(store.mapSizeMB))")
            }
        })
    }
}
