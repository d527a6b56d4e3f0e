/// One field of a data form (XEP-0004) kept verbatim, such as a publish
/// option of an enablement.
public struct StoredField: Sendable, Equatable {
    /// The field's `var`.
    public var name: String
    /// The field's values, in order.
    public var values: [String]

    /// Creates a field.
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }

    func encode(into w: inout ByteWriter) {
        w.writeString(name)
        w.writeVarint(UInt64(values.count))
        for value in values {
            w.writeString(value)
        }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        name = try r.readString()
        let count = try r.readCount()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try r.readString())
        }
        self.values = values
    }
}
