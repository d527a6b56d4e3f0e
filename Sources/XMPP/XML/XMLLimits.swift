/// What one stanza may cost to parse. The defaults suit client stanzas
/// relayed by a server; hosts tighten or loosen them in configuration.
public struct XMLLimits: Sendable, Equatable {
    /// The largest stanza accepted, in bytes of UTF-8; checked before
    /// parsing starts.
    public var maxBytes: Int
    /// The deepest element nesting accepted; the root is depth 1.
    public var maxDepth: Int
    /// The most attributes one element may carry, `xmlns` declarations
    /// included (expat hashes and stores every one).
    public var maxAttributes: Int
    /// The heap expat may hold at once during one parse, its own parser
    /// structures included. The tree the parse builds is bounded by
    /// `maxBytes` instead. Computed once in `init`: changing `maxBytes`
    /// later does not change it.
    public var maxAllocationBytes: Int

    /// Limits with `maxAllocationBytes` defaulting to 64 KiB plus 16 bytes
    /// per byte of `maxBytes`: room for expat's fixed structures plus its
    /// worst-case copies of names, attribute values and buffered input,
    /// which stay well under 16 times the input.
    public init(maxBytes: Int = 262_144, maxDepth: Int = 64, maxAttributes: Int = 64,
                maxAllocationBytes: Int? = nil) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxAttributes = maxAttributes
        self.maxAllocationBytes = maxAllocationBytes ?? Self.defaultAllocationBudget(maxBytes: maxBytes)
    }

    private static func defaultAllocationBudget(maxBytes: Int) -> Int {
        let (perInputByte, overflowed) = maxBytes.multipliedReportingOverflow(by: 16)
        let (total, overflowedAgain) = perInputByte.addingReportingOverflow(65_536)
        return overflowed || overflowedAgain ? Int.max : total
    }
}
