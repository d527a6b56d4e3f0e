import NudgeXMPP

/// What a configuration key holds. The reader checks values against it and
/// the schema (nudge_config_schema) publishes it, so the two cannot differ.
enum SettingType: Equatable {
    case string
    /// An `http://` or `https://` URL.
    case url
    case boolean
    case integer(min: Int, max: Int)
    /// One of these strings.
    case choice([String])
    /// An XMPP domain (a JID with neither localpart nor resource).
    case domain
    /// A list of XMPP domains.
    case domains
    /// A list of non-empty strings.
    case strings
    /// The list of vendor backends (`appserver.backends`), each described
    /// by its type's keys.
    case backends

    /// The schema's members for this type: `type`, and its constraints.
    var schema: JSONObject {
        switch self {
        case .string: return ["type": "string"]
        case .url: return ["type": "url"]
        case .boolean: return ["type": "boolean"]
        case .integer(let min, let max): return ["type": "integer", "min": .number(Double(min)), "max": .number(Double(max))]
        case .choice(let values): return ["type": "choice", "values": .array(values.map { .string($0) })]
        case .domain: return ["type": "domain"]
        case .domains: return ["type": "domains"]
        case .strings: return ["type": "strings"]
        case .backends: return ["type": "backends"]
        }
    }
}

/// What an unset key means.
enum Unset<Section> {
    /// The configuration is refused without it, with this problem
    /// ("required: the directory of the LMDB store").
    case required(_ problem: String)
    /// This value, read from a section as Config's initializers make it.
    case value((Section) -> JSON)
    /// No value; what the engine does instead, in words.
    case meaning(String)
}

/// "a, b or c", for error messages and documentation.
func alternatives(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
}
