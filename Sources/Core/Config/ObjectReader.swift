import NudgeXMPP

/// Reads one JSON object of the configuration, remembering which keys were
/// used so that unknown keys (usually typos) are reported instead of being
/// silently ignored.
struct ObjectReader {
    let path: String
    private let object: JSONObject
    private var used: Set<String> = []

    init(_ json: JSON?, path: String) throws(ConfigError) {
        self.path = path
        guard let json else { object = JSONObject(); return }
        guard let object = json.objectValue else {
            throw ConfigError(path, "expected an object, got \(Self.describe(json))")
        }
        self.object = object
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether the key is present with a value other than null; does not
    /// count as reading it.
    func has(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        if case .null = value { return false }
        return true
    }

    mutating func raw(_ key: String) -> JSON? {
        used.insert(key)
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = raw(key) else { return nil }
        guard let s = v.stringValue else { throw ConfigError(keyPath(key), "expected a string, got \(Self.describe(v))") }
        guard !s.isEmpty else { throw ConfigError(keyPath(key), "must not be empty") }
        return s
    }

    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = raw(key) else { return nil }
        guard let b = v.boolValue else { throw ConfigError(keyPath(key), "expected true or false, got \(Self.describe(v))") }
        return b
    }

    mutating func int(_ key: String, min: Int, max: Int = Int(Int32.max)) throws(ConfigError) -> Int? {
        guard let v = raw(key) else { return nil }
        guard let i = v.intValue, i >= min, i <= max else {
            throw ConfigError(keyPath(key), "expected a whole number from \(min) to \(max), got \(Self.describe(v))")
        }
        return i
    }

    mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = raw(key) else { return nil }
        guard let array = v.arrayValue else { throw ConfigError(keyPath(key), "expected an array of strings, got \(Self.describe(v))") }
        var out: [String] = []
        for (i, item) in array.enumerated() {
            guard let s = item.stringValue, !s.isEmpty else {
                throw ConfigError("\(keyPath(key))[\(i)]", "expected a non-empty string, got \(Self.describe(item))")
            }
            out.append(s)
        }
        return out
    }

    mutating func url(_ key: String) throws(ConfigError) -> String? {
        guard let s = try string(key) else { return nil }
        guard s.hasPrefix("https://") || s.hasPrefix("http://") else {
            throw ConfigError(keyPath(key), "expected an http or https URL, got \(JSON.string(s).serialized())")
        }
        return s
    }

    /// A domain, normalised as JIDs are (lowercased, IDNA).
    mutating func domain(_ key: String) throws(ConfigError) -> String? {
        guard let s = try string(key) else { return nil }
        return try Self.domain(s, at: keyPath(key))
    }

    mutating func domains(_ key: String) throws(ConfigError) -> [String]? {
        guard let list = try strings(key) else { return nil }
        var out: [String] = []
        for (i, d) in list.enumerated() { out.append(try Self.domain(d, at: "\(keyPath(key))[\(i)]")) }
        return out
    }

    private static func domain(_ text: String, at path: String) throws(ConfigError) -> String {
        do throws(JIDError) {
            let jid = try JID(text)
            guard jid.local == nil, jid.resource == nil else { throw JIDError("a domain has no localpart or resource") }
            return jid.domain
        } catch { throw ConfigError(path, "not a valid domain: \(error.message)") }
    }

    /// Call last: any key present but never asked for is a typo or an
    /// option of another version. `hint` may say more about a key (where
    /// it belongs instead).
    func rejectUnknownKeys(hint: (String) -> String? = { _ in nil }) throws(ConfigError) {
        for key in object.keys where !used.contains(key) {
            throw ConfigError(keyPath(key), hint(key).map { "unknown key (\($0))" } ?? "unknown key")
        }
    }

    static func describe(_ v: JSON) -> String {
        let text = v.serialized()
        return text.utf8.count > 40 ? String(text.prefix(37)) + "..." : text
    }
}
