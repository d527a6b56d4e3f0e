import NudgeStore

/// The engine's configuration: one JSON document passed by the host
/// (see README "Configuration"). Defaults follow the original mod_push and
/// DESIGN.md.
public struct Config: Sendable, Equatable {
    public struct Store: Sendable, Equatable {
        /// Where the state lives: an LMDB directory or a PostgreSQL database.
        public enum Backend: String, Sendable, Equatable {
            case lmdb
            case postgresql
        }

        public var backend: Backend = .lmdb
        /// The LMDB directory; "" when unset (refused with `lmdb`).
        public var path: String
        public var mapSizeMB: Int = 64
        public var maxMapSizeMB: Int = 65_536
        /// false trades durability for speed (MDB_NOSYNC): only for tests
        /// and benchmarks, never for a server whose users rely on replies.
        public var sync: Bool = true
        /// The PostgreSQL database (`store.url`), checked by libpq's parser;
        /// never holds a password.
        public var url: PostgreSQLURL? = nil
        /// The file holding the PostgreSQL password (`store.password_file`);
        /// nil leaves it to libpq (PGPASSWORD, ~/.pgpass).
        public var passwordFile: String? = nil
        /// This engine's name among the engines sharing a PostgreSQL
        /// database (`store.node_id`); nil: the host name, at open.
        public var nodeID: String? = nil
        /// Seconds after its last heartbeat that a node is taken for dead
        /// and its delivery jobs are taken over (`store.node_lease_s`).
        public var nodeLeaseS: Int = 30
    }

    public enum NotifyOn: String, Sendable, Equatable {
        /// Messages with a body, encrypted messages, calls, subscription
        /// requests, group-chat mentions.
        case important
        /// Every message and subscription request, as the original mod_push.
        case all
    }

    public struct Server: Sendable, Equatable {
        public var domains: [String] = []
        public var includeSenders = false
        public var includeMessageCount = true
        public var includeSubscriptionCount = true
        public var includeMessageBodies = false
        public var notifyOn: NotifyOn = .important
        /// Enablements one user may have; past this the oldest is pruned.
        public var maxEnablementsPerUser = 5
        public var coalesceWindowS = 20
        public var pendingTimeoutS = 259_200
        public var wakeBeforeTimeoutS = 120
        public var wakeOnStart = true
        /// Restart wake pushes sent per second at the most, so that a
        /// restart of a large server does not flood its app servers.
        public var restartWakeRate = 100
        /// A publish to a remote app server that got no answer by then is
        /// given up (the host normally answers with an error sooner).
        public var publishTimeoutS = 60
        /// How often a publish answered with a `wait` error is retried.
        public var publishRetries = 5
    }

    public struct AppServer: Sendable, Equatable {
        public var pubsubHost: String?
        public var registerHost: String?
        /// Domains whose users may register; empty means server.domains.
        public var allowDomains: [String] = []
        public var backends: [BackendConfig] = []
        /// Devices one user may register.
        public var maxDevicesPerUser = 10
        /// Registrations one user may make per hour (re-registering a
        /// device counts too): a runaway client cannot churn nodes.
        public var registrationsPerHour = 30
        /// Notifications older than this are dropped as stale instead of
        /// being delivered late.
        public var maxAgeS = 86_400
        /// Delivery attempts of one notification at the most.
        public var maxAttempts = 12
        /// At close, how long deliveries in flight may take to get their
        /// answers; what is not answered by then stays in the outbox and
        /// is sent again at the next start.
        public var shutdownGraceS = 5
        /// Monal/fpush's dialect: a publish to a node nobody registered is
        /// taken as a device token, its `pushModule` publish-option naming
        /// the app ("default": the first backend). Such nodes carry no
        /// secret, so anyone who knows a token can wake that device; off
        /// by default.
        public var tokenNodes = false
    }

    public struct Limits: Sendable, Equatable {
        public var maxStanzaBytes = 262_144
        public var maxDepth = 64
        public var maxAttributes = 64
        /// Commands waiting for the writer thread; past this, calls fail
        /// with NUDGE_EBUSY instead of growing memory without bound.
        public var maxQueue = 65_536
        /// Events the host has not drained; past this, new events are
        /// dropped (and reported once the host catches up) instead of
        /// growing memory without bound while a host is stuck.
        public var maxEvents = 1_000_000
    }

    public struct Log: Sendable, Equatable {
        /// The lowest level of the log events the engine emits.
        public var level: LogLevel = .info
    }

    public var store: Store
    public var server = Server()
    public var appServer = AppServer()
    public var limits = Limits()
    public var log = Log()
    /// What the document said that still works but should change (keys
    /// under their old names): logged once, as warnings, when the engine
    /// opens.
    public var warnings: [String] = []

    public var logLevel: LogLevel {
        get { log.level }
        set { log.level = newValue }
    }

    public init(storePath: String, domains: [String]) {
        store = Store(path: storePath)
        server.domains = domains
    }
}
