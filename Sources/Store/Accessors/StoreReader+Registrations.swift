/// Typed reads of the app server's registrations.
extension StoreReader {
    /// The registration behind pubsub node `node`.
    public func registration(node: String) throws(StoreError) -> RegRecord? {
        guard !node.isEmpty else { return nil }
        return try record(RegRecord.self, Array(node.utf8))
    }

    /// The node a user's device is registered under.
    public func registeredNode(owner: String, deviceID: String) throws(StoreError) -> String? {
        guard let bytes = try get(.regOwner, RegOwnerKey.key(owner: owner, deviceID: deviceID)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// All of a user's registrations, by device id order.
    public func registrations(owner: String) throws(StoreError) -> [(node: String, record: RegRecord)] {
        var nodes: [String] = []
        try scan(.regOwner, prefix: RegOwnerKey.ownerPrefix(owner)) { _, value in
            nodes.append(String(decoding: value, as: UTF8.self))
            return true
        }
        var found: [(node: String, record: RegRecord)] = []
        for node in nodes {
            if let r = try registration(node: node) { found.append((node, r)) }
        }
        return found
    }

    /// How many devices are registered in all.
    public func registrationCount() throws(StoreError) -> Int { try count(.reg) }
}

/// Typed writes of the app server's registrations; both tables change
/// together so they never disagree.
extension StoreWriter {
    public func putRegistration(node: String, _ r: RegRecord) throws(StoreError) {
        try put(.reg, Array(node.utf8), r.encode())
        try put(.regOwner, RegOwnerKey.key(owner: r.owner, deviceID: r.deviceID), Array(node.utf8))
    }

    @discardableResult
    public func deleteRegistration(node: String) throws(StoreError) -> RegRecord? {
        guard let r = try registration(node: node) else { return nil }
        try delete(.reg, Array(node.utf8))
        if try registeredNode(owner: r.owner, deviceID: r.deviceID) == node {
            try delete(.regOwner, RegOwnerKey.key(owner: r.owner, deviceID: r.deviceID))
        }
        return r
    }
}
