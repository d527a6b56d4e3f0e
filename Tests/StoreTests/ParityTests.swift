import NudgeStore
import Testing

/// The scenarios of `Scenarios`, on LMDB and in memory alike.
@Suite("Store parity")
struct ParityTests {
    @Test(arguments: StoreKind.allCases)
    func putGetDeleteCount(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.putGetDeleteCount)
    }

    @Test(arguments: StoreKind.allCases)
    func newStoreHasSchemaAndDirtyFlag(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.newStoreHasSchemaAndDirtyFlag)
    }

    @Test(arguments: StoreKind.allCases)
    func throwingBodyLeavesNothing(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.throwingBodyLeavesNothing)
    }

    @Test(arguments: StoreKind.allCases)
    func keyLimits(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.keyLimits)
    }

    @Test(arguments: StoreKind.allCases)
    func scansAreOrderedAndPrefixed(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.scansAreOrderedAndPrefixed)
    }

    @Test(arguments: StoreKind.allCases)
    func typedEnablesByUser(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.typedEnablesByUser)
    }

    @Test(arguments: StoreKind.allCases)
    func typedSessionsOptionsSummaries(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.typedSessionsOptionsSummaries)
    }

    @Test(arguments: StoreKind.allCases)
    func outboxSequenceIsMonotonic(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.outboxSequenceIsMonotonic)
    }

    @Test(arguments: StoreKind.allCases)
    func outboxScansInNumericOrder(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.outboxScansInNumericOrder)
    }

    @Test(arguments: StoreKind.allCases)
    func corruptRecordsAreReported(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.corruptRecordsAreReported)
    }

    @Test(arguments: StoreKind.allCases)
    func readerMustNotOutliveItsBody(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.readerMustNotOutliveItsBody)
    }

    @Test(arguments: StoreKind.allCases)
    func readsSeeCommittedDataOnly(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.readsSeeCommittedDataOnly)
    }

    @Test(arguments: StoreKind.allCases)
    func nestedBodiesFailAlone(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.nestedBodiesFailAlone)
    }

    @Test(arguments: StoreKind.allCases)
    func theEnclosingTransactionWaitsForTheNestedOne(_ kind: StoreKind) throws {
        try withStore(kind, Scenarios.theEnclosingTransactionWaitsForTheNestedOne)
    }
}
