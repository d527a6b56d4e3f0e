@testable import NudgeStore
import Testing

/// Migrations, through the internal initialiser that lets a test pretend
/// to be a later Nudge.
@Suite("Migrations")
struct MigrationTests {
    func open(_ dir: String, version: UInt32, _ migrations: [UInt32: Schema.Migration] = [:]) throws -> LMDBStore {
        try LMDBStore(testOptions(dir), schemaVersion: version, migrations: migrations)
    }

    @Test func migrationsRunInOrderInOneTransaction() throws {
        try withTempDir { dir in
            try open(dir, version: 1).close()
            let migrations: [UInt32: Schema.Migration] = [
                1: { w in try w.put(.reg, b("step"), b("1")) },
                2: { w in
                    guard try w.get(.reg, b("step")) == b("1") else { throw StoreTestError("2 ran before 1") }
                    try w.put(.reg, b("step"), b("2"))
                },
            ]
            let store = try open(dir, version: 3, migrations)
            #expect(store.openReport.migratedFrom == 1)
            #expect(store.openReport.previousShutdownClean == true)
            #expect(store.openReport.schemaCreated == false)
            #expect(try store.read { r in try r.get(.reg, b("step")) } == b("2"))
            #expect(try store.read { r in try r.get(.meta, b("schema")) } == [0, 0, 0, 3])
            store.close()
            let again = try open(dir, version: 3, migrations)
            defer { again.close() }
            #expect(again.openReport.migratedFrom == nil)
        }
    }

    @Test func aFailingMigrationChangesNothing() throws {
        try withTempDir { dir in
            try open(dir, version: 1).close()
            let migrations: [UInt32: Schema.Migration] = [
                1: { w in try w.put(.reg, b("half"), b("done")) },
                2: { _ in throw StoreTestError("disk exploded") },
            ]
            let error = storeError { _ = try open(dir, version: 3, migrations) }
            #expect(error == StoreError(.io, "migration of the store from schema 2 to 3 failed: disk exploded"))
            let store = try open(dir, version: 1)
            defer { store.close() }
            #expect(try store.read { r in try r.get(.reg, b("half")) } == nil)
            #expect(try store.read { r in try r.get(.meta, b("schema")) } == [0, 0, 0, 1])
        }
    }

    @Test func aMissingMigrationIsRefused() throws {
        try withTempDir { dir in
            try open(dir, version: 1).close()
            let error = storeError { _ = try open(dir, version: 2) }
            #expect(error == StoreError(.corrupt, "store schema 1 has no migration to 2"))
        }
    }

    @Test func thisBuildHasAMigrationForEveryOlderVersion() {
        for version in 1..<Schema.version {
            #expect(Schema.migrations[version] != nil)
        }
        #expect(LMDBStore.schemaVersion == Schema.version)
    }
}
