/// An XMPP address (RFC 7622): `localpart@domainpart/resourcepart`.
///
/// Parts are validated and normalised when the JID is made, so two JIDs
/// that address the same entity compare equal: the localpart and domain
/// are lowercased, a domain's trailing dot is dropped, and the resource
/// keeps its case. The full PRECIS profiles need Unicode tables the
/// standard library does not carry; what is checked here is what keeps
/// addresses unambiguous and safe to store and route: separators, control
/// characters, whitespace, lengths and domain syntax.
public struct JID: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The localpart (the user), lowercased; nil for a server or component.
    public let local: String?
    /// The domainpart, lowercased, without a trailing dot.
    public let domain: String
    /// The resourcepart, case preserved; nil for a bare JID.
    public let resource: String?

    /// Parses a JID from its string form.
    ///
    /// As RFC 7622 §3.1 orders it, the resource is everything after the
    /// first `/` (and may itself contain `/` and `@`), and the localpart is
    /// what precedes the first `@` of the rest.
    public init(_ string: String) throws(JIDError) {
        var rest = Substring(string)
        var resource: String?
        if let slash = rest.firstIndex(of: "/") {
            resource = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        var local: String?
        if let at = rest.firstIndex(of: "@") {
            local = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        try self.init(local: local, domain: String(rest), resource: resource)
    }

    /// Makes a JID from its parts, validating and normalising each.
    /// An empty localpart or resource is an error: pass nil to omit one.
    public init(local: String?, domain: String, resource: String?) throws(JIDError) {
        self.local = try local.map { (local) throws(JIDError) in try JIDPart.localpart(local) }
        self.domain = try JIDPart.domainpart(domain)
        self.resource = try resource.map { (resource) throws(JIDError) in try JIDPart.resourcepart(resource) }
    }

    private init(validatedLocal local: String?, domain: String, resource: String?) {
        self.local = local
        self.domain = domain
        self.resource = resource
    }

    /// This JID without its resource.
    public var bare: JID {
        JID(validatedLocal: local, domain: domain, resource: nil)
    }

    /// Whether the JID has no resource.
    public var isBare: Bool { resource == nil }

    /// This JID with `resource` in place of its own (nil for the bare JID).
    public func with(resource: String?) throws(JIDError) -> JID {
        JID(validatedLocal: local, domain: domain,
            resource: try resource.map { (resource) throws(JIDError) in try JIDPart.resourcepart(resource) })
    }

    /// The canonical string form.
    public var description: String {
        var text = ""
        if let local {
            text += local
            text += "@"
        }
        text += domain
        if let resource {
            text += "/"
            text += resource
        }
        return text
    }

    /// Orders by domain, then localpart, then resource, so that sorted
    /// lists group a server's users together; a missing part sorts first.
    public static func < (lhs: JID, rhs: JID) -> Bool {
        if lhs.domain != rhs.domain { return lhs.domain < rhs.domain }
        if lhs.local != rhs.local { return (lhs.local ?? "") < (rhs.local ?? "") }
        if lhs.resource != rhs.resource { return (lhs.resource ?? "") < (rhs.resource ?? "") }
        return false
    }
}
