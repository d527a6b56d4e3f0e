/*
 * nudge.h — the C interface of libnudge, an embeddable XEP-0357 push engine.
 *
 * Nudge gives an XMPP server both halves of XEP-0357 push: the server side
 * (enable/disable, pending sessions, deciding what deserves a push,
 * coalescing, publishing to the user's app server) and the app server
 * (device registration by ad-hoc command, pubsub publishes, delivery to
 * APNs, FCM, Web Push, WNS and UBports). A host links libnudge.so.0,
 * opens one engine per process, tells it what happens to its users, and
 * routes what the engine asks it to route. The library exports exactly
 * the functions declared here (symbol version NUDGE_0).
 *
 * SHAPE
 *
 *   nudge_open()            one engine per store directory.
 *   nudge_check_config()    the configuration errors nudge_open() would
 *                           report, without opening (daemons, see FORK).
 *   nudge_config_schema()   every configuration key: type, default, meaning.
 *   nudge_handle_stanza()   a stanza the host routed to the engine.
 *   nudge_session_*()       session lifecycle, by full JID.
 *   nudge_stanza_held()     a stanza the user's push-enabled session cannot
 *                           take now; the engine decides whether to push.
 *   nudge_next_event()      everything the engine wants the host to do
 *                           (stanzas to route, push state disabled, log
 *                           lines) comes out of this one queue; watch
 *                           nudge_event_fd() in the host's event loop and
 *                           drain the queue when it is readable, and after
 *                           every call.
 *   nudge_close()           stop, persisting what is not delivered yet.
 *
 * The shape is DESIGN.md's, with these refinements:
 *   - nudge_session_pending() returns, through an out parameter, the
 *     hibernation timeout the host should give the session, because only
 *     the engine knows whether the session is push-enabled;
 *   - nudge_set_room_nick() tells the engine a user's nickname in a
 *     group chat, so that mentions can be recognised (the stanza alone does
 *     not carry the recipient's nickname);
 *   - nudge_wants_sender_roster() says when the host should tell
 *     nudge_stanza_held() whether the sender is in the user's roster, so
 *     that the roster is read only for users whose client asked;
 *   - nudge_event_target() and nudge_event_level() spare a C host from
 *     parsing the event's XML to route it or to log it.
 *
 * THREADS
 *
 * Every function may be called from any thread, concurrently. No function
 * waits on the network, and none waits on disk except nudge_open(),
 * nudge_close() and nudge_admin() commands that change state (documented
 * there). Work that must reach disk is handed to the engine's one writer
 * thread, which commits in groups (many changes, one fsync).
 *
 * DURABILITY
 *
 * An acknowledgement leaves the engine only after what it acknowledges is
 * committed: the iq result to an `enable` is queued as an event after the
 * LMDB commit that stored the enablement. A host that crashes after
 * routing a reply has therefore lost nothing the client was told about.
 *
 * MEMORY
 *
 * Strings passed in are borrowed for the duration of the call and need not
 * be NUL-free beyond what each parameter says. Strings the engine hands out
 * through a `char **` out parameter are the caller's, freed with
 * nudge_free(). Pointers returned by nudge_event_*() accessors belong to the
 * event and live until nudge_event_free(). Strings returned by
 * nudge_strerror() and nudge_version() are static.
 *
 * FORK
 *
 * An engine belongs to the process that opened it. fork() copies its
 * memory into the child but not its threads, and may copy its locks held,
 * so a child cannot use it: every function that takes the parent's engine
 * returns NUDGE_EFORKED in the child (nudge_event_fd() too, as its
 * result) without touching its locks, threads or store, and nudge_close()
 * returns at once. A child that needs an engine opens its own on another
 * store directory, or after the parent has closed it (a daemon should check
 * its configuration with nudge_check_config() before it forks, and open
 * the engine after). The check costs one atomic load
 * (a pthread_atfork() handler counts forks), not a system call.
 *
 * RESULT CODES
 *
 * Every function that can fail returns an int: NUDGE_OK (0) on success, a
 * positive informational code (NUDGE_EMPTY), or a negative error code.
 * nudge_strerror() describes any of them. Where an error has details (the
 * line of a malformed stanza, the configuration key at fault), they go to
 * errmsg where the function has one, and otherwise to one NUDGE_EVENT_LOG
 * event, so that each bad input is logged exactly once.
 */
#ifndef NUDGE_H
#define NUDGE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header; nudge_version() reports the library's. */
#define NUDGE_VERSION_MAJOR 0
#define NUDGE_VERSION_MINOR 1
#define NUDGE_VERSION_PATCH 0

/* ---- Result codes ------------------------------------------------------ */

#define NUDGE_OK          0   /* success */
#define NUDGE_EMPTY       1   /* nudge_next_event(): no event is waiting */

#define NUDGE_EINVAL    (-1)  /* an argument is NULL, empty or out of range */
#define NUDGE_ECONFIG   (-2)  /* the configuration is invalid; errmsg names the key */
#define NUDGE_ESTORE    (-3)  /* the store cannot be opened, read or written */
#define NUDGE_ESCHEMA   (-4)  /* the store was written by a newer Nudge */
#define NUDGE_ELOCKED   (-5)  /* another process has this store open */
#define NUDGE_EXML      (-6)  /* malformed XML, or a construct XMPP forbids
                                 (DOCTYPE, entity declaration, comment,
                                 processing instruction) */
#define NUDGE_ETOOBIG   (-7)  /* the stanza is larger than limits.max_stanza_bytes */
#define NUDGE_ELIMIT    (-8)  /* the stanza exceeds limits.max_depth,
                                 limits.max_attributes or the parser's
                                 memory budget */
#define NUDGE_EJID      (-9)  /* a JID is malformed (RFC 7622), or is bare
                                 where a full JID is required */
#define NUDGE_ENOTFOR   (-10) /* the stanza is not one the engine serves; the
                                 host should handle it as if Nudge were absent */
#define NUDGE_EBUSY     (-11) /* the writer's queue is full (limits.max_queue);
                                 nothing was accepted */
#define NUDGE_ENOTFOUND (-12) /* nudge_admin(): no such user or registration */
#define NUDGE_EFULL     (-13) /* the disk or the store's maximum size is full;
                                 the change was not made */
#define NUDGE_ENOMEM    (-14) /* out of memory */
#define NUDGE_EFORKED   (-15) /* the engine was opened in another process:
                                 this is a child after fork(); see FORK */
#define NUDGE_LAST_ERRCODE NUDGE_EFORKED  /* the most negative code; every code
                                 from it to NUDGE_EMPTY has a description */

/* ---- Engine ------------------------------------------------------------ */

/* An engine: one per store directory, shared by all host threads. */
typedef struct nudge_engine nudge_engine;

/*
 * Open an engine.
 *
 * config_json  The whole configuration as one JSON document (see README.md,
 *              "Configuration"). Unknown keys are errors, so that typos do
 *              not pass silently.
 * out          Receives the engine on NUDGE_OK; set to NULL otherwise.
 * errmsg       If not NULL, receives on failure a message naming the
 *              configuration key or the file at fault, e.g.
 *              "server.coalesce_window_s: expected a number >= 0, got \"x\"".
 *              Free it with nudge_free(). Set to NULL on success.
 *
 * Opening creates the store directory if needed, clears stale LMDB readers,
 * checks the schema version, starts the writer thread, and schedules one
 * restart wake push for every session that was pending when the previous
 * process stopped (if server.wake_on_start). May wait on disk.
 *
 * A damaged store never takes the host down: before LMDB maps data.mdb,
 * the whole file is read with pread(2) and every page of every table is
 * checked (the file is as long as its last transaction needs, and every
 * page number, offset and size is within bounds), so a truncated or
 * damaged file is NUDGE_ESTORE naming the file and the table and page at
 * fault, never SIGBUS or SIGSEGV. This reads the whole file once, like the
 * scan of the enablements that follows. A directory whose marker file
 * (nudge-store, written with a new store) says a store was there, but
 * whose data.mdb is missing or empty, is NUDGE_ESTORE naming the loss,
 * not a new empty store; a store without a marker (from an older Nudge)
 * gets one, logged once.
 *
 * With store.backend "postgresql", opening connects to store.url (waiting
 * on the network, at most libpq's connect_timeout: 10 s unless the URL
 * says otherwise), takes ownership of its node id, store.node_id (a
 * session advisory lock: a second engine with the same node id gets
 * NUDGE_ELOCKED; engines with different ones share the database as
 * nodes), creates the tables if needed and checks the schema as for LMDB,
 * and starts one more connection, on a thread of its own, that follows
 * the other nodes (README "Running several nodes"). A server that cannot be reached is
 * NUDGE_ESTORE with libpq's reason. Once open, a call that needs a commit
 * while the server is down fails with NUDGE_ESTORE and the reason, and the
 * engine reconnects by itself at the next commit.
 *
 * Returns NUDGE_OK, NUDGE_EINVAL (config_json or out is NULL), NUDGE_ECONFIG,
 * NUDGE_ESTORE, NUDGE_ESCHEMA, NUDGE_ELOCKED or NUDGE_ENOMEM.
 */
int nudge_open(const char *config_json, nudge_engine **out, char **errmsg);

/*
 * Check a configuration as nudge_open() would, without opening the store
 * or starting any thread: the JSON, every key, and the vendors' key files
 * (read now, as nudge_open() reads them), and store.password_file. What
 * only opening can tell (the store directory, its lock, its schema, the
 * PostgreSQL server) is not checked. For a host that
 * must report configuration errors at start but open the engine later, in
 * the process that will run it (a daemon opens after it forks; see FORK).
 *
 * config_json  As for nudge_open().
 * errmsg       If not NULL, receives on failure the message nudge_open()
 *              would give; free it with nudge_free(). NULL on success.
 *
 * Returns NUDGE_OK, NUDGE_EINVAL (config_json is NULL) or NUDGE_ECONFIG.
 * May read files; never waits on the network.
 */
int nudge_check_config(const char *config_json, char **errmsg);

/*
 * Close an engine: stop accepting calls, let the writer commit everything
 * already accepted, mark the store cleanly shut down, and free the engine.
 * Events still queued are freed; drain them first if they matter. Sessions
 * that are pending stay recorded, so that the next nudge_open() can send
 * their restart wake. e may be NULL. May wait on disk. No other call on e
 * may be running or follow.
 *
 * In a child after fork() (see FORK) it returns at once and frees nothing:
 * the engine's threads are not there to stop, its memory is the child's
 * copy, and the parent's engine and store are untouched. The child's copies
 * of the engine's file descriptors are close-on-exec.
 */
void nudge_close(nudge_engine *e);

/* A static English description of a result code. Never NULL. */
const char *nudge_strerror(int code);

/*
 * The library's version as "MAJOR.MINOR.PATCH" (static). Any of the
 * pointers may be NULL.
 */
const char *nudge_version(int *major, int *minor, int *patch);

/* Free a string the engine handed out through a char ** parameter. NULL is
   allowed. */
void nudge_free(void *p);

/* ---- Stanzas routed to the engine -------------------------------------- */

/*
 * Give the engine one stanza the host routed to it. The engine serves:
 *
 *   - iq set <enable/> and <disable/> (urn:xmpp:push:0) from a user's own
 *     session: `from` must be the session's full JID on one of
 *     server.domains, and `to` absent or the user's own bare JID;
 *   - iq get disco#info to a user's bare JID (features, and the user's
 *     urn:xmpp:push:options form when the user asks);
 *   - the iq result or error of a publish the engine asked the host to send
 *     (recognised by its id: it starts with "nudge-");
 *   - with appserver.backends, on a register host (appserver.register_host,
 *     or by default the pubsub host and every server domain; see
 *     nudge_info()): iq set ad-hoc
 *     commands (XEP-0050) register-push-apns, register-push-fcm (and its
 *     old name register-push-gcm), register-push-webpush,
 *     register-push-wns, register-push-ubuntu, list-push-registrations and
 *     unregister-push, and disco#info and disco#items (the commands);
 *   - with appserver.backends, on appserver.pubsub_host: iq set pubsub
 *     publishes (XEP-0357's, from this server or another), and disco#info;
 *   - any other iq get/set the host chooses to route: answered with
 *     service-unavailable (unknown namespace) or feature-not-implemented.
 *
 * xml, len  One stanza, UTF-8, not NUL-terminated necessarily. Namespace
 *           prefixes on the stanza itself are not supported; the default
 *           namespace may be declared or absent.
 *
 * Replies (results and XMPP errors) come out as NUDGE_EVENT_STANZA events,
 * after the commit that holds what they acknowledge.
 *
 * Returns NUDGE_OK (taken; any reply will follow as an event),
 * NUDGE_ENOTFOR (a message, a presence, or an iq result/error the engine is
 * not waiting for: handle it normally), NUDGE_ETOOBIG, NUDGE_EXML,
 * NUDGE_ELIMIT (the stanza could not be read; the details go to one log
 * event, and an iq get or set whose start tag names a valid sender is
 * answered by the engine, as an event: policy-violation for the limits,
 * bad-request for XML), NUDGE_EBUSY (an iq was answered with a
 * resource-constraint error instead), NUDGE_EJID (the stanza's `from` is
 * not a valid JID: not answered, there is no one to answer), NUDGE_EINVAL
 * or NUDGE_EFORKED. A host answers nothing itself for any of these: only
 * NUDGE_ENOTFOR hands the stanza back.
 */
int nudge_handle_stanza(nudge_engine *e, const char *xml, size_t len);

/* ---- Session lifecycle ------------------------------------------------- */

/*
 * The session `full_jid` (user@domain/resource) is bound and connected.
 * Resets the push summary of the enablements that session made.
 * Returns NUDGE_OK, NUDGE_EINVAL, NUDGE_EJID, NUDGE_EBUSY or NUDGE_EFORKED.
 */
int nudge_session_online(nudge_engine *e, const char *full_jid);

/*
 * The session lost its connection without closing its stream and is being
 * kept for resumption (XEP-0198 hibernation).
 *
 * timeout_s  If not NULL, receives how long the host should keep the
 *            session: server.pending_timeout_s when the session enabled
 *            push, 0 when the host should keep its own default. The engine
 *            sends one wake push server.wake_before_timeout_s before that
 *            time runs out.
 *
 * Returns NUDGE_OK, NUDGE_EINVAL, NUDGE_EJID, NUDGE_EBUSY or NUDGE_EFORKED
 * (*timeout_s is then 0).
 */
int nudge_session_pending(nudge_engine *e, const char *full_jid, unsigned *timeout_s);

/* The pending session was resumed: resets its push summary and cancels its
   wake push. Returns NUDGE_OK, NUDGE_EINVAL, NUDGE_EJID, NUDGE_EBUSY or
   NUDGE_EFORKED. */
int nudge_session_resumed(nudge_engine *e, const char *full_jid);

/* The session ended (closed, or its hibernation timed out). The user's
   enablements stay: offline messages still push. Returns NUDGE_OK,
   NUDGE_EINVAL, NUDGE_EJID, NUDGE_EBUSY or NUDGE_EFORKED. */
int nudge_session_closed(nudge_engine *e, const char *full_jid);

/*
 * Does an enablement of the user have a Push 2.0 grace period (no push
 * while another of the user's sessions was active within that many
 * seconds)? Then the host hands the engine each message the user's
 * sessions send, with nudge_session_activity(); otherwise it need not.
 * Answered from memory, without waiting on the writer, disk or network;
 * while no enablement of any user has a grace period, 0 at once, without
 * reading user_jid.
 *
 * user_jid  The sender: a session's full JID, or the user's bare JID.
 * wanted    Receives 1 (report the message) or 0.
 *
 * Returns NUDGE_OK, NUDGE_EINVAL (a NULL argument, or a closed engine),
 * NUDGE_EJID (not a user's JID; *wanted is then 0) or NUDGE_EFORKED.
 */
int nudge_wants_session_activity(nudge_engine *e, const char *user_jid, int *wanted);

/*
 * A message the session `full_jid` sent, before the host routes it. The
 * engine notes the time when it shows the user at that device: a body,
 * an encrypted payload (OMEMO, OX, PGP), an XEP-0085 chat state active,
 * composing or paused, an XEP-0333 displayed marker, or an XEP-0353 call
 * message; receipts, inactive and gone, and errors are no activity. A
 * Push 2.0 registration with a grace period then pushes nothing but calls
 * while a session other than its own was active within the grace.
 * Held in memory only, on the calling thread: nothing is written to the
 * store, and a closed session is forgotten (nudge_session_closed()). In
 * a cluster, each node sees the activity of the sessions it hosts.
 *
 * full_jid  The sending session, user@domain/resource.
 * xml, len  The message, UTF-8, as for nudge_handle_stanza(). Read only
 *           when an enablement of the user has a grace period: otherwise
 *           NUDGE_OK at once (a host may ask
 *           nudge_wants_session_activity() first, to spare serializing it).
 *
 * Returns NUDGE_OK (noted or not), NUDGE_EINVAL (a NULL argument, or a
 * closed engine), NUDGE_EJID (not a full JID), NUDGE_ETOOBIG, NUDGE_EXML,
 * NUDGE_ELIMIT (the message could not be read; one log event) or
 * NUDGE_EFORKED.
 */
int nudge_session_activity(nudge_engine *e, const char *full_jid, const char *xml, size_t len);

/*
 * Tell the engine the nickname a user's session uses in a group chat, so
 * that group-chat messages that mention the user push. nick NULL forgets the
 * room. Held in memory only: hosts call it again when sessions rejoin.
 * Returns NUDGE_OK, NUDGE_EINVAL, NUDGE_EJID or NUDGE_EFORKED.
 */
int nudge_set_room_nick(nudge_engine *e, const char *user_jid,
                        const char *room_jid, const char *nick);

/* ---- Accounts ---------------------------------------------------------- */

/*
 * The account `user_jid` was deleted. The engine forgets everything it
 * keeps for it: its enablements (each reported as a NUDGE_EVENT_DISABLED
 * event), content options, push summaries and sessions, and the devices it
 * registered at this engine's app server. Queued for the writer thread like
 * every change; returns at once and never waits on disk.
 *
 * user_jid  The account's bare JID, on one of server.domains.
 *
 * Returns NUDGE_OK (queued), NUDGE_EINVAL, NUDGE_EJID (not a user's bare
 * JID), NUDGE_ENOTFOR (a domain the engine does not serve), NUDGE_EBUSY or
 * NUDGE_EFORKED.
 */
int nudge_user_removed(nudge_engine *e, const char *user_jid);

/*
 * What push adds to the disco#info answer of an account, for hosts that
 * answer an account's disco#info themselves instead of routing it to the
 * engine: a disco#info <query/> element whose children the host adds to its
 * own reply. They are a <feature/> for each of nudge_info()'s
 * "account_features" (urn:xmpp:push:0 and the Tigase enable extensions the
 * engine serves: tigase:push:encrypt:0, tigase:push:encrypt:aes-128-gcm,
 * tigase:push:priority:0, tigase:push:jingle:0,
 * tigase:push:filter:muted:0, tigase:push:filter:groupchat:0; Push 2.0:
 * urn:xmpp:push2:0, urn:xmpp:push2:match:all, urn:xmpp:push2:match:important,
 * urn:xmpp:push2:match:archived, urn:xmpp:push2:match:archived-with-body,
 * urn:xmpp:push2:send:notify-only:0,
 * urn:xmpp:push2:send:sce+rfc8291+rfc8292:0) and, when
 * the requester is the account's own user, the urn:xmpp:push:options
 * result form in force. The engine's own answer (an iq routed to it) holds
 * the same children.
 *
 * account_jid    The account's bare JID, on one of server.domains.
 * requester_jid  Who asks (full or bare JID); NULL when unknown.
 * xml            Receives the element, NUL-terminated; free it with
 *                nudge_free().
 *
 * Reads the store on the calling thread (LMDB's memory map; no write, no
 * wait for the writer thread).
 * Returns NUDGE_OK, NUDGE_EINVAL, NUDGE_EJID, NUDGE_ENOTFOR (a domain the
 * engine does not serve), NUDGE_ESTORE or NUDGE_EFORKED (then *xml is NULL).
 */
int nudge_account_disco(nudge_engine *e, const char *account_jid,
                        const char *requester_jid, char **xml);

/*
 * How a host routes to an engine opened with `config_json`, as the engine
 * decides it, so that no binding derives it from the configuration itself.
 * It needs no open engine: hosts that load modules before they fork
 * (Prosody, daemonized) route by it before nudge_open(). A JSON object:
 *
 *   "version"     the library's version
 *   "server"      {"domains": [the domains whose users may enable push],
 *                  "account_features": [features of an account's disco#info]}
 *   "id_prefix"   "nudge-": every iq the engine asks the host to send has an
 *                 id starting with it, and their results and errors are the
 *                 engine's to read (nudge_handle_stanza)
 *   "appserver"   null without appserver.pubsub_host, else
 *                 {"pubsub_host": the app server's JID (route everything
 *                                 addressed to it to the engine),
 *                  "register_hosts": [where the registration commands are
 *                                 taken: appserver.register_host, or by
 *                                 default the pubsub host and every
 *                                 server domain; route ad-hoc command iqs
 *                                 for "commands" there to the engine],
 *                  "commands": [{"node", "name"}: the commands to list in
 *                                 disco#items, in order],
 *                  "vendors": [the vendors of the configured backends]}
 *
 * Keys may be added; hosts ignore unknown ones. Reads no file.
 *
 * config_json  The configuration, as for nudge_open().
 * json         Receives the document; free it with nudge_free().
 * errmsg       If not NULL, receives a message on NUDGE_ECONFIG (free it
 *              with nudge_free()), else NULL.
 * Returns NUDGE_OK, NUDGE_EINVAL (a NULL argument) or NUDGE_ECONFIG.
 */
int nudge_info(const char *config_json, char **json, char **errmsg);

/*
 * Every key of the configuration nudge_open() takes, as the engine reads
 * it: hosts check their option tables and documentation against it, and
 * may offer a native option for each key that names one. Needs no engine
 * and no configuration. A JSON object:
 *
 *   "keys"      [entries: every key of the document, in order; "key" is
 *                its path, "server.coalesce_window_s"]
 *   "backends"  {type: [entries: the keys of an appserver.backends[i] of
 *                that "type", "type" first; "key" is the bare name]}
 *
 * An entry is an object:
 *
 *   "key"          as above
 *   "type"         "string", "url" (http or https), "boolean", "integer"
 *                  (with "min" and "max", inclusive), "choice" (with
 *                  "values", the strings accepted), "domain", "domains"
 *                  (a list) or "backends"
 *   "default"      the value an unset key stands for; or instead
 *   "required"     true: the configuration is refused without it; or
 *   "unset"        what the engine does without it, in words
 *   "unit"         "s" for a duration in seconds
 *   "doc"          one line for operators
 *   "option"       the native option hosts offer for the key (Prosody:
 *                  nudge_ and this name; ejabberd: this name); absent for
 *                  keys set only in a configuration file
 *   "old_names"    older names of the key, still read, each logged once as
 *                  a warning event by nudge_open(); giving an old and the
 *                  new name together is NUDGE_ECONFIG
 *   "old_options"  older names of the native option, for hosts to accept
 *
 * Members may be added to entries and to the object; hosts ignore unknown
 * ones. The same for every call of one library version.
 *
 * json  Receives the document; free it with nudge_free().
 * Returns NUDGE_OK or NUDGE_EINVAL (json is NULL).
 */
int nudge_config_schema(char **json);

/* ---- Held stanzas ------------------------------------------------------ */

/* Where a held stanza is waiting: the `where` of nudge_stanza_held(). */
typedef enum nudge_held_where {
    NUDGE_HELD_QUEUED   = 0x1, /* in the queue of a pending session;
                                  user_jid is that session's full JID */
    NUDGE_HELD_OFFLINE  = 0x2, /* stored for offline delivery; user_jid is
                                  the user's bare JID */
    NUDGE_HELD_ARCHIVED = 0x4  /* archived (MAM) while no session of the
                                  user can take it; user_jid is bare */
} nudge_held_where;

/* The sender's place in the user's roster, OR'ed into the `where` of
   nudge_stanza_held() when nudge_wants_sender_roster() asked for it; at
   most one of them. */
enum nudge_held_sender {
    NUDGE_HELD_FROM_CONTACT  = 0x10, /* the bare `from` is in the user's
                                        roster, with any subscription state
                                        but "none, their request pending" */
    NUDGE_HELD_FROM_STRANGER = 0x20  /* it is not, or is there only with
                                        its own subscription request */
};

/*
 * Does an enablement of the user ignore senders not in the roster
 * (Tigase's tigase:push:filter:ignore-unknown:0)? Then the host looks up
 * the bare `from` of each stanza it holds for the user in the user's
 * roster and ORs NUDGE_HELD_FROM_CONTACT or NUDGE_HELD_FROM_STRANGER into
 * nudge_stanza_held()'s `where`; otherwise it need not look. Answered from
 * memory, without waiting on the writer, disk or network; while no
 * enablement of any user ignores unknown senders, 0 at once, without
 * reading user_jid (nudge_stanza_held() then reports a bad JID).
 *
 * user_jid  The recipient, as for nudge_stanza_held(): a session's full
 *           JID (that session's enablements) or the bare JID (all of the
 *           user's).
 * wanted    Receives 1 (look it up) or 0.
 *
 * Returns NUDGE_OK, NUDGE_EINVAL (a NULL argument, or a closed engine),
 * NUDGE_EJID (not a user's JID; *wanted is then 0) or NUDGE_EFORKED.
 */
int nudge_wants_sender_roster(nudge_engine *e, const char *user_jid, int *wanted);

/*
 * A stanza for a user whose push-enabled session cannot take it now. The
 * engine classifies it on the calling thread (messages with a body,
 * encrypted messages, call proposals, subscription requests and group-chat
 * mentions matter; chat states, receipts and markers do not, unless
 * server.notify_on is "all"), drops the same stanza reported twice (stored
 * offline and archived), and hands what matters to the writer thread, which
 * updates the user's summary and publishes at once or after the coalescing
 * window. Never waits on disk or network.
 *
 * user_jid  The recipient: a full JID with NUDGE_HELD_QUEUED, else bare.
 * xml, len  The stanza.
 * where     Where it waits: one nudge_held_where value, OR'ed with one
 *           nudge_held_sender value when nudge_wants_sender_roster() said
 *           so (from C++, cast the result to nudge_held_where). Without
 *           one, a sender counts as a contact. The engine applies it to
 *           the sender the push names when that is the stanza's bare
 *           `from`: a carbon copy's or a MucSub event's sender counts as
 *           a contact, as do the user's own JID and group chats.
 *
 * Most stanzas are for users without push: for them (or, with
 * NUDGE_HELD_QUEUED, for a session that did not enable push) the call
 * returns NUDGE_OK at once, from memory, without reading the stanza.
 *
 * Returns NUDGE_OK (taken, whether or not it will push), NUDGE_EINVAL
 * (NULL argument, where not one of the nudge_held_where values, or both
 * nudge_held_sender values), NUDGE_EJID,
 * NUDGE_ETOOBIG, NUDGE_EXML, NUDGE_ELIMIT, NUDGE_EBUSY or NUDGE_EFORKED.
 */
int nudge_stanza_held(nudge_engine *e, const char *user_jid,
                      const char *xml, size_t len, nudge_held_where where);

/* ---- Events ------------------------------------------------------------ */

typedef struct nudge_event nudge_event;

#define NUDGE_EVENT_STANZA   1  /* data: a stanza to route; target: its `to` */
#define NUDGE_EVENT_DISABLED 2  /* push was disabled for a user by the engine
                                   (the app server refused, or the
                                   enablement was pruned); data: JSON
                                   {"user","jid","node","reason"}; target:
                                   the user's bare JID. Hosts drop any push
                                   state they keep for that enablement. */
#define NUDGE_EVENT_LOG      3  /* data: one log line, without newline;
                                   level: NUDGE_LOG_* */

#define NUDGE_LOG_DEBUG 0
#define NUDGE_LOG_INFO  1
#define NUDGE_LOG_WARN  2
#define NUDGE_LOG_ERROR 3

/*
 * A file descriptor (an eventfd) that is readable while at least one event
 * waits. Watch it for readability in the host's event loop; never read or
 * close it. Valid until nudge_close(). Returns the fd, NUDGE_EINVAL or
 * NUDGE_EFORKED.
 */
int nudge_event_fd(nudge_engine *e);

/*
 * Take the oldest waiting event.
 * At most limits.max_events wait: past that, new events are dropped and
 * counted, and once the host has drained half of the queue one
 * NUDGE_LOG_WARN event says how many were lost. Stored state is never
 * lost with them; a dropped reply is one the client will not see.
 * ev  Receives the event on NUDGE_OK, which the caller frees with
 *     nudge_event_free(); set to NULL on NUDGE_EMPTY.
 * Returns NUDGE_OK, NUDGE_EMPTY, NUDGE_EINVAL or NUDGE_EFORKED.
 */
int nudge_next_event(nudge_engine *e, nudge_event **ev);

/* The event's kind, a NUDGE_EVENT_* value; NUDGE_EINVAL if ev is NULL. */
int nudge_event_kind(const nudge_event *ev);

/* The event's data, NUL-terminated; *len (if len is not NULL) receives its
   length in bytes. Owned by the event. NULL (and *len 0) if ev is NULL. */
const char *nudge_event_data(const nudge_event *ev, size_t *len);

/* The JID the event concerns (see the kinds), or NULL for log events and
   if ev is NULL. Owned by the event. */
const char *nudge_event_target(const nudge_event *ev);

/* A log event's NUDGE_LOG_* level; NUDGE_LOG_INFO for other kinds and if
   ev is NULL. */
int nudge_event_level(const nudge_event *ev);

/* Free an event. NULL is allowed. */
void nudge_event_free(nudge_event *ev);

/* ---- Operations -------------------------------------------------------- */

/*
 * Counters and gauges as a JSON object. Gauges: "users_enabled",
 * "enablements", "sessions_pending", "events_waiting", "writer_queue"
 * (changes waiting for the next commit), "publishes_in_flight" (awaiting
 * a remote app server's answer), "registrations" (devices at the built-in
 * app server), "outbox" (deliveries not yet done: waiting or in flight),
 * "store" {"map_bytes", "used_bytes"}. Counters since open: "deliveries",
 * and objects of counts by label: "pushes" (by reason), "errors" (by
 * kind), "held" (by verdict), "retries" (by kind: "delivery", a vendor
 * answered retry; "publish", an app server asked to wait or could not be
 * reached), "vendor_answers" {vendor: {verdict: {status: n}}} with vendor
 * one of apns, fcm, webpush, wns, ubports, other; verdict (what becomes of
 * the job) one of delivered, retry (also transport failures and 5xx),
 * token_gone, rejected, config_error; and status (what the vendor said)
 * one of the statuses vendors document, 200, 201, 400, 401, 403, 404,
 * 406, 410, 413, 429, 500, 503, else other_2xx, other_3xx, other_4xx,
 * other_5xx, or other (outside 200-599), or none when no HTTP answer
 * arrived (connection, TLS or timeout failure, or a request never sent).
 * "stanza_to_vendor_latency": a histogram of the time from the stanza
 * behind a push reaching the engine (the held message reported through
 * nudge_stanza_held; for a publish from a remote server, its acceptance;
 * for a wake or test push, its publishing) to the vendor's 2xx; a
 * coalesced follow-up counts from its first stanza not yet pushed.
 * {"bounds_ms": [fixed upper bounds], "buckets": [cumulative counts, one
 * per bound], "count", "sum_ms"}; count includes the +Inf bucket. Every label value comes from a fixed set: an app server's error
 * type outside RFC 6120's counts as "publish_other" in "errors".
 * Keys may be added; hosts ignore unknown ones.
 * Reads memory and LMDB's page counts only; never waits on disk.
 * json  Receives the document; free it with nudge_free().
 * Returns NUDGE_OK, NUDGE_EINVAL, NUDGE_ESTORE, NUDGE_ENOMEM or NUDGE_EFORKED.
 */
int nudge_stats_json(nudge_engine *e, char **json);

/*
 * The figures of nudge_stats_json() as OpenMetrics text families, for a
 * host without a metrics registry of its own to serve or print: gauges
 * nudge_users_enabled, nudge_enablements, nudge_sessions_pending,
 * nudge_publishes_in_flight, nudge_events_waiting, nudge_writer_queue,
 * nudge_registrations, nudge_outbox, nudge_store_bytes{kind="used"|"map"};
 * counters nudge_deliveries_total, nudge_pushes_total{reason},
 * nudge_errors_total{kind}, nudge_held_stanzas_judged_total{outcome},
 * nudge_retries_total{kind}, nudge_vendor_answers_total{vendor,verdict,
 * status}; the histogram nudge_stanza_to_vendor_latency_seconds. Each
 * family has its # HELP and # TYPE lines; the label values are those of
 * nudge_stats_json(), from fixed sets. The text ends after the last
 * family, without "# EOF", so that the host can add families of its own
 * before it ends the exposition. Families may be added.
 * Reads memory and the store's page counts only; never waits on disk.
 * text  Receives the text; free it with nudge_free().
 * Returns NUDGE_OK, NUDGE_EINVAL, NUDGE_ESTORE, NUDGE_ENOMEM or NUDGE_EFORKED.
 */
int nudge_metrics_text(nudge_engine *e, char **text);

/*
 * An administrative command as a JSON object; the reply is a JSON object
 * with "ok": true and the command's result, or "ok": false and "error".
 *
 *   {"command":"list", "user":"juliet@example.net"}
 *       → {"ok":true,"user":…,"enablements":[{"jid","node","resource",
 *          "enabled_at"}…],"options":{"include-senders":false,…}}
 *   {"command":"remove", "user":…, "jid":…, "node":…}
 *       → {"ok":true,"removed":1}
 *   {"command":"unregister", "node":…}
 *       → {"ok":true,"removed":1}
 *          Removes a device registration of the app server by its node
 *          (NUDGE_ENOTFOUND if there is none); publishes to the node are
 *          answered item-not-found from then on.
 *   {"command":"test-push", "user":…}
 *       → {"ok":true,"queued":N}    (one push per enablement)
 *   {"command":"stats"}
 *       → {"ok":true, …the fields of nudge_stats_json()…}
 *   {"command":"verify"}
 *       → {"ok":true,"txnid":N,"entries":{"enable":N,…}}
 *          Checks every page of the current snapshot as nudge_open() does,
 *          then decodes every record of every table. A damaged store is
 *          NUDGE_ESTORE with "error" naming the table and the page or
 *          entry (never the key: keys hold JIDs and tokens).
 *   {"command":"backup", "path":"/var/backups/nudge/2026-12-02"}
 *       → {"ok":true,"path":…,"bytes":N}
 *          Verifies, then writes a compacted copy of the store
 *          (mdb_env_copy2 with MDB_CP_COMPACT) and its marker into path, a
 *          directory that must not exist or must be empty (NUDGE_EINVAL
 *          otherwise: a backup never overwrites), synced to disk. The copy
 *          is a store: point store.path at it to restore.
 *
 * "list" and "stats" read memory and LMDB only. "remove", "unregister"
 * and "test-push" change state and wait until the writer thread has committed it, so call
 * them from an administrative context (a shell command, a console), not
 * from a thread that must never block. "verify" and "backup" read the
 * whole store (backup also writes a copy) on the calling thread; the
 * engine keeps serving meanwhile, and writes go on while they run.
 *
 * reply  Receives the reply (also on errors); free it with nudge_free().
 * Returns NUDGE_OK, NUDGE_EINVAL (not JSON, unknown command, missing or
 * malformed field), NUDGE_EJID, NUDGE_ENOTFOUND (no such enablement; a
 * user without push for "test-push"), NUDGE_EFULL, NUDGE_ESTORE,
 * NUDGE_EBUSY or NUDGE_EFORKED (then *reply is NULL).
 */
int nudge_admin(nudge_engine *e, const char *request_json, char **reply_json);

#ifdef __cplusplus
}
#endif

#endif /* NUDGE_H */
