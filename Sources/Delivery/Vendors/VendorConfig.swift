import NudgeCrypto
import NudgeCore

/// Reading a backend's credential files at start-up, with errors that name
/// the configuration key an operator has to fix.
enum VendorConfig {
    /// A configuration error about `key` (`appserver.backends[0].key_file`).
    static func error(_ key: String, _ problem: String) -> EngineError {
        EngineError(.config, "\(key): \(problem)")
    }

    /// Reads the file `path` named by `key`, passing a permission warning on.
    /// KeyFile's own messages already start with `key`.
    static func read(_ path: String, key: String, warn: (String) -> Void) throws(EngineError) -> String {
        let file: KeyFile
        do {
            file = try KeyFile.read(path, configKey: key)
        } catch {
            throw EngineError(.config, error.message)
        }
        if let warning = file.permissionWarning { warn(warning) }
        return file.contents
    }

    /// Runs a key parser on the text of `path`, turning its failure into a
    /// configuration error naming `key` and the file.
    static func parse<Key>(_ path: String, key: String, _ parser: () throws(CryptoError) -> Key) throws(EngineError) -> Key {
        do {
            return try parser()
        } catch {
            throw self.error(key, "\(path): \(error.message)")
        }
    }
}
