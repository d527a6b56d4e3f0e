import NudgeCore
import NudgeCrypto
import NudgeStore

/// Opening the store the configuration names, with errors that name the
/// key to fix.
public enum StoreOpening {
    /// Opens the LMDB or PostgreSQL store of `config`. Returns the warnings
    /// the open must log (a password file others can read).
    static func open(_ config: Config) throws(EngineError) -> (store: any OwnedStore, warnings: [String]) {
        switch config.store.backend {
        case .lmdb:
            var options = LMDBStore.Options(path: config.store.path)
            options.mapSizeMB = config.store.mapSizeMB
            options.maxMapSizeMB = config.store.maxMapSizeMB
            options.durable = config.store.sync
            do { return (try LMDBStore(options), []) } catch { throw failure(error, key: "store.path") }
        case .postgresql:
            let (options, warning) = try postgreSQLOptions(config.store)
            do {
                return (try PostgreSQLStore(options), warning.map { [$0] } ?? [])
            } catch {
                throw failure(error, key: "store.url")
            }
        }
    }

    /// The PostgreSQL store's options, with the password read from
    /// `store.password_file` (its first line) and that file's permission
    /// warning. nudge_check_config calls this too, so that a password file
    /// it cannot read is reported before the host starts.
    public static func postgreSQLOptions(_ store: Config.Store) throws(EngineError) -> (PostgreSQLStore.Options, warning: String?) {
        guard let url = store.url else {
            throw EngineError(.config, "store.url: required with store.backend \"postgresql\"")
        }
        var options = PostgreSQLStore.Options(url: url, nodeID: store.nodeID ?? NodeID.hostDefault())
        options.nodeLeaseS = store.nodeLeaseS
        guard let path = store.passwordFile else { return (options, nil) }
        let file: KeyFile
        do { file = try KeyFile.read(path, configKey: "store.password_file") } catch {
            throw EngineError(.config, error.message)
        }
        let password = String(file.contents.prefix { $0 != "\n" && $0 != "\r" })
        guard !password.isEmpty else {
            throw EngineError(.config, "store.password_file: \(path) holds no password on its first line")
        }
        options.password = password
        return (options, file.permissionWarning)
    }

    private static func failure(_ error: StoreError, key: String) -> EngineError {
        switch error.kind {
        case .locked: return EngineError(.locked, error.message)
        case .schemaTooNew: return EngineError(.schema, error.message)
        default: return EngineError(.store, "\(key): \(error.message)")
        }
    }
}
