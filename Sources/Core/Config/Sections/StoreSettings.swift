import NudgeStore

extension Config.Store {
    /// The `store` section: which store, where it is, and how large an
    /// LMDB store may grow.
    static var section: SettingsSection<Config.Store> {
        SettingsSection(name: "store", settings: [
            .choice("backend", \.backend, [("lmdb", .lmdb), ("postgresql", .postgresql)],
                    doc: "where the state lives: `lmdb`, a directory of this machine (`store.path`), or `postgresql`, a database (`store.url`)"),
            Setting(name: "path", type: .string, unset: .meaning("required with store.backend `lmdb`"),
                    doc: "directory of the LMDB store (created, mode 0700). One engine per directory: a second process gets `NUDGE_ELOCKED`. Not read with `postgresql`.",
                    option: "store_path") { r, key, store throws(ConfigError) in
                if let path = try r.string(key) { store.path = path }
            },
            .int("map_size_mb", \.mapSizeMB, min: 1, max: 1 << 20,
                 doc: "initial LMDB map size; grown automatically (doubled) when full"),
            .int("max_map_size_mb", \.maxMapSizeMB, min: 1, max: 1 << 24,
                 doc: "the map never grows past this; beyond it writes fail as \"full\""),
            .bool("sync", \.sync, doc: "`false` skips fsync (MDB_NOSYNC): only for tests and benchmarks. PostgreSQL commits always with `synchronous_commit = on`."),
            Setting(name: "url", type: .string, unset: .meaning("required with store.backend `postgresql`"),
                    doc: "libpq connection URI of the PostgreSQL database (`postgresql://nudge@db1,db2/nudge`), passed to libpq as is; a host list fails over to the server that takes writes (`target_session_attrs=read-write` unless given). No password in it. Several engines may share one database, each with its own `store.node_id`.") { r, key, store throws(ConfigError) in
                guard let text = try r.string(key) else { return }
                do throws(StoreError) { store.url = try PostgreSQLURL(text) } catch { throw ConfigError(r.keyPath(key), error.message) }
            },
            .string("password_file", \.passwordFile, .meaning("libpq's own: the PGPASSWORD environment variable or ~/.pgpass"),
                    doc: "file holding the PostgreSQL password (its first line); a warning at open if group or others can read it"),
            Setting(name: "node_id", type: .string, unset: .meaning("the machine's host name"),
                    doc: "this engine's name among the engines sharing the PostgreSQL database: 1 to 64 letters, digits, `.`, `_` or `-`. Sessions and the clean-shutdown flag are kept per node; a second engine with the same node id gets `NUDGE_ELOCKED`. Not read with `lmdb`.") { r, key, store throws(ConfigError) in
                guard let id = try r.string(key) else { return }
                if let problem = NodeID.problem(id) { throw ConfigError(r.keyPath(key), problem) }
                store.nodeID = id
            },
            .int("node_lease_s", \.nodeLeaseS, min: 3, max: 3600, unit: "s",
                 doc: "a node that has not written its heartbeat for this long is taken for dead, and the other nodes take over its delivery jobs; heartbeats every third of it. Not read with `lmdb`."),
        ], check: { store throws(ConfigError) in
            switch store.backend {
            case .lmdb:
                guard !store.path.isEmpty else {
                    throw ConfigError("store.path", "required: the directory of the LMDB store")
                }
                guard store.maxMapSizeMB >= store.mapSizeMB else {
                    throw ConfigError("store.max_map_size_mb", "must be at least store.map_size_mb (\(store.mapSizeMB))")
                }
                for (key, given) in [("url", store.url != nil), ("password_file", store.passwordFile != nil),
                                     ("node_id", store.nodeID != nil)] where given {
                    throw ConfigError("store.\(key)", "only read with store.backend \"postgresql\" (store.backend is \"lmdb\")")
                }
            case .postgresql:
                guard store.url != nil else {
                    throw ConfigError("store.url", "required with store.backend \"postgresql\": a libpq connection URI (postgresql://host/database)")
                }
            }
        })
    }
}
