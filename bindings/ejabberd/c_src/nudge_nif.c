/*
 * nudge_nif.c — libnudge (include/nudge.h) as an Erlang NIF, for ejabberd.
 *
 * Thin, as DESIGN.md asks of bindings: one Erlang call is one C call, and
 * no policy lives here (mod_nudge decides). What a NIF adds:
 *
 *   - the engine is a resource; its destructor closes an engine the
 *     Erlang side forgot to close, so the store's lock is never leaked;
 *   - nudge_open, nudge_close and nudge_admin may wait on disk, so they run
 *     on dirty I/O schedulers; everything else is documented as never
 *     blocking and runs on normal schedulers;
 *   - the event queue is drained by a thread of our own that waits on the
 *     event fd (poll) and sends every event to the process that opened the
 *     engine (enif_send), so the Erlang side never polls:
 *
 *       {nudge_event, stanza,   Xml, Target}        route it
 *       {nudge_event, disabled, Json, UserBareJid}  an enablement is gone
 *       {nudge_event, log,      Level, Line}        Level: debug|info|warn|error
 *       {nudge_event, {unknown, Kind}, Data, Target | undefined}
 *
 * Erlang API (nudge_nif.erl documents it; errors are {error, Code} with
 * Code an atom such as ejid, exml, ebusy, and badarg for wrong types or a
 * JID with a NUL byte):
 *
 *   open(ConfigJson)                  -> {ok, Engine} | {error, Code, Message}
 *   close(Engine)                     -> ok   (idempotent)
 *   handle_stanza(Engine, Xml)        -> ok | {error, enotfor} | {error, Code}
 *   session_online|resumed|closed(Engine, FullJid) -> ok | {error, Code}
 *   session_pending(Engine, FullJid)  -> {ok, TimeoutS} | {error, Code}
 *   set_room_nick(Engine, User, Room, Nick | undefined) -> ok | {error, Code}
 *   wants_sender_roster(Engine, UserJid) -> {ok, true | false} | {error, Code}
 *   wants_session_activity(Engine, UserJid) -> {ok, true | false} | {error, Code}
 *   session_activity(Engine, FullJid, Xml) -> ok | {error, Code}
 *   stanza_held(Engine, UserJid, Xml, Where | {Where, contact | stranger}) -> ok | {error, Code}
 *       Where: queued | offline | archived
 *   stats(Engine)                     -> {ok, Json} | {error, Code}
 *   metrics(Engine)                   -> {ok, OpenMetricsText} | {error, Code}
 *   admin(Engine, RequestJson)        -> {ok, ReplyJson} | {error, Code, ReplyJson} | {error, Code}
 *   version()                         -> <<"MAJOR.MINOR.PATCH">>
 *   strerror(Code)                    -> binary()   (Code: an integer or one of the atoms)
 *
 * Locking: calls hold a read lock on the resource, close holds the write
 * lock, so no call runs on an engine being closed ("No other call on e may
 * be running or follow", nudge.h); after close every call is {error, closed}.
 *
 * Codes: the atoms of CODES below (einval, econfig, …, enomem, eforked);
 * a code this binding predates comes as its integer.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <erl_nif.h>

#include "nudge.h"

typedef struct {
    nudge_engine *engine;   /* NULL once closed */
    ErlNifRWLock *lock;     /* read: a call into the engine; write: close */
    ErlNifMutex *close_mx;  /* one closer at a time */
    ErlNifPid owner;        /* receives the events */
    ErlNifTid thread;
    int thread_started;
    int stop_pipe[2];       /* written to stop the event thread */
} engine_res;

static ErlNifResourceType *ENGINE_TYPE;

static ERL_NIF_TERM atom_ok, atom_error, atom_closed, atom_undefined, atom_nudge_event,
    atom_stanza, atom_disabled, atom_log, atom_unknown, atom_debug, atom_info, atom_warn,
    atom_queued, atom_offline, atom_archived, atom_contact, atom_stranger, atom_true, atom_false;

/* ---- Result codes ------------------------------------------------------ */

/* The result codes by name: the atoms the Erlang side sees. */
static const struct { int code; const char *name; } CODES[] = {
    { NUDGE_OK, "ok" }, { NUDGE_EMPTY, "empty" }, { NUDGE_EINVAL, "einval" }, { NUDGE_ECONFIG, "econfig" },
    { NUDGE_ESTORE, "estore" }, { NUDGE_ESCHEMA, "eschema" }, { NUDGE_ELOCKED, "elocked" }, { NUDGE_EXML, "exml" },
    { NUDGE_ETOOBIG, "etoobig" }, { NUDGE_ELIMIT, "elimit" }, { NUDGE_EJID, "ejid" }, { NUDGE_ENOTFOR, "enotfor" },
    { NUDGE_EBUSY, "ebusy" }, { NUDGE_ENOTFOUND, "enotfound" }, { NUDGE_EFULL, "efull" }, { NUDGE_ENOMEM, "enomem" },
    /* Not expected under BEAM, which never forks with NIFs loaded; a port
       program or a test that forks sees it rather than a hang. */
    { NUDGE_EFORKED, "eforked" },
};
#define NCODES (sizeof CODES / sizeof CODES[0])
_Static_assert(NCODES == NUDGE_EMPTY - NUDGE_LAST_ERRCODE + 1, "a result code of nudge.h has no atom here");

static ERL_NIF_TERM code_atom(ErlNifEnv *env, int code)
{
    for (size_t i = 0; i < NCODES; i++)
        if (CODES[i].code == code) return enif_make_atom(env, CODES[i].name);
    return enif_make_int(env, code); /* a code this binding predates */
}

static ERL_NIF_TERM result(ErlNifEnv *env, int code)
{
    return code == NUDGE_OK ? atom_ok : enif_make_tuple2(env, atom_error, code_atom(env, code));
}

static ERL_NIF_TERM make_binary(ErlNifEnv *env, const char *data, size_t len)
{
    ERL_NIF_TERM term;
    unsigned char *buf = enif_make_new_binary(env, len, &term);
    if (len > 0) memcpy(buf, data, len);
    return term;
}

static ERL_NIF_TERM make_cstring(ErlNifEnv *env, const char *s)
{
    return make_binary(env, s, strlen(s));
}

/* ---- Arguments --------------------------------------------------------- */

/* An iolist or binary as bytes (no NUL check: stanzas carry their length). */
static int get_bytes(ErlNifEnv *env, ERL_NIF_TERM term, ErlNifBinary *bin)
{
    return enif_inspect_iolist_as_binary(env, term, bin);
}

/* A binary as a NUL-terminated string for the C API, which reads JIDs and
   JSON as C strings: an embedded NUL would silently cut it, so it is badarg.
   The copy is the caller's, freed with enif_free. */
static char *get_cstring(ErlNifEnv *env, ERL_NIF_TERM term)
{
    ErlNifBinary bin;
    if (!get_bytes(env, term, &bin) || memchr(bin.data, 0, bin.size) != NULL) return NULL;
    char *s = enif_alloc(bin.size + 1);
    if (s == NULL) return NULL;
    memcpy(s, bin.data, bin.size);
    s[bin.size] = '\0';
    return s;
}

/* Takes the read lock on an open engine, or returns 0 (closed or not one). */
static int acquire(ErlNifEnv *env, ERL_NIF_TERM term, engine_res **out)
{
    engine_res *r;
    if (!enif_get_resource(env, term, ENGINE_TYPE, (void **)&r)) return 0;
    enif_rwlock_rlock(r->lock);
    if (r->engine == NULL) {
        enif_rwlock_runlock(r->lock);
        return 0;
    }
    *out = r;
    return 1;
}

static ERL_NIF_TERM closed_or_badarg(ErlNifEnv *env, ERL_NIF_TERM term)
{
    engine_res *r;
    if (enif_get_resource(env, term, ENGINE_TYPE, (void **)&r))
        return enif_make_tuple2(env, atom_error, atom_closed);
    return enif_make_badarg(env);
}

/* ---- The event thread -------------------------------------------------- */

static ERL_NIF_TERM level_atom(int level)
{
    switch (level) {
    case NUDGE_LOG_DEBUG: return atom_debug;
    case NUDGE_LOG_WARN: return atom_warn;
    case NUDGE_LOG_ERROR: return atom_error;
    default: return atom_info;
    }
}

static ERL_NIF_TERM event_term(ErlNifEnv *env, nudge_event *ev)
{
    size_t len = 0;
    const char *data = nudge_event_data(ev, &len);
    const char *target = nudge_event_target(ev);
    ERL_NIF_TERM data_term = make_binary(env, data ? data : "", data ? len : 0);
    ERL_NIF_TERM target_term = target ? make_cstring(env, target) : atom_undefined;
    int kind = nudge_event_kind(ev);
    switch (kind) {
    case NUDGE_EVENT_STANZA:
        return enif_make_tuple4(env, atom_nudge_event, atom_stanza, data_term, target_term);
    case NUDGE_EVENT_DISABLED:
        return enif_make_tuple4(env, atom_nudge_event, atom_disabled, data_term, target_term);
    case NUDGE_EVENT_LOG:
        return enif_make_tuple4(env, atom_nudge_event, atom_log, level_atom(nudge_event_level(ev)), data_term);
    default:
        return enif_make_tuple4(env, atom_nudge_event, enif_make_tuple2(env, atom_unknown, enif_make_int(env, kind)),
                                data_term, target_term);
    }
}

/* Sends every waiting event to the owner. The engine stays open meanwhile:
   close joins this thread before it closes the engine. */
static void drain(engine_res *r, ErlNifEnv *msg_env)
{
    nudge_event *ev;
    while (nudge_next_event(r->engine, &ev) == NUDGE_OK) {
        ERL_NIF_TERM msg = event_term(msg_env, ev);
        nudge_event_free(ev);
        /* A dead owner drops the message; the engine goes on (the resource's
           destructor closes it when the last reference goes). */
        enif_send(NULL, &r->owner, msg_env, msg);
        enif_clear_env(msg_env);
    }
}

static void *event_thread(void *arg)
{
    engine_res *r = arg;
    ErlNifEnv *msg_env = enif_alloc_env();
    struct pollfd fds[2] = {
        { .fd = nudge_event_fd(r->engine), .events = POLLIN },
        { .fd = r->stop_pipe[0], .events = POLLIN },
    };
    for (;;) {
        drain(r, msg_env);
        int n = poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) break;
    }
    drain(r, msg_env); /* what came before close, e.g. the answer to the last call */
    enif_free_env(msg_env);
    return NULL;
}

/* Stops the thread and closes the engine, once. Called by close/1 (on a
   dirty scheduler) and by the destructor. */
static void shut_down(engine_res *r)
{
    enif_mutex_lock(r->close_mx);
    if (r->thread_started) {
        ssize_t w;
        do { w = write(r->stop_pipe[1], "x", 1); } while (w < 0 && errno == EINTR);
        enif_thread_join(r->thread, NULL);
        r->thread_started = 0;
    }
    enif_rwlock_rwlock(r->lock);
    nudge_engine *e = r->engine;
    r->engine = NULL;
    enif_rwlock_rwunlock(r->lock);
    nudge_close(e);
    if (r->stop_pipe[0] >= 0) {
        close(r->stop_pipe[0]);
        close(r->stop_pipe[1]);
        r->stop_pipe[0] = r->stop_pipe[1] = -1;
    }
    enif_mutex_unlock(r->close_mx);
}

static void engine_dtor(ErlNifEnv *env, void *obj)
{
    (void)env;
    engine_res *r = obj;
    if (r->lock == NULL || r->close_mx == NULL) {
        /* open ran out of memory before the engine was usable. */
        nudge_close(r->engine);
        if (r->lock != NULL) enif_rwlock_destroy(r->lock);
        if (r->close_mx != NULL) enif_mutex_destroy(r->close_mx);
        return;
    }
    /* No reference is left, so no call can be running. */
    shut_down(r);
    enif_rwlock_destroy(r->lock);
    enif_mutex_destroy(r->close_mx);
}

/* ---- NIFs -------------------------------------------------------------- */

static ERL_NIF_TERM nif_open(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    char *config = get_cstring(env, argv[0]);
    if (config == NULL) return enif_make_badarg(env);

    nudge_engine *e = NULL;
    char *errmsg = NULL;
    int rc = nudge_open(config, &e, &errmsg);
    enif_free(config);
    if (rc != NUDGE_OK) {
        ERL_NIF_TERM msg = make_cstring(env, errmsg ? errmsg : nudge_strerror(rc));
        nudge_free(errmsg);
        return enif_make_tuple3(env, atom_error, code_atom(env, rc), msg);
    }

    engine_res *r = enif_alloc_resource(ENGINE_TYPE, sizeof *r);
    memset(r, 0, sizeof *r);
    r->stop_pipe[0] = r->stop_pipe[1] = -1;
    r->engine = e;
    r->lock = enif_rwlock_create("nudge_engine");
    r->close_mx = enif_mutex_create("nudge_close");
    enif_self(env, &r->owner);
    ERL_NIF_TERM term = enif_make_resource(env, r);
    enif_release_resource(r); /* the term holds it now; the destructor closes */

    if (r->lock == NULL || r->close_mx == NULL || pipe(r->stop_pipe) != 0) {
        if (r->stop_pipe[0] < 0) r->stop_pipe[0] = r->stop_pipe[1] = -1;
        return enif_make_tuple3(env, atom_error, code_atom(env, NUDGE_ENOMEM),
                                make_cstring(env, "cannot create the event thread's lock or pipe"));
    }
    if (enif_thread_create("nudge_events", &r->thread, event_thread, r, NULL) != 0)
        return enif_make_tuple3(env, atom_error, code_atom(env, NUDGE_ENOMEM),
                                make_cstring(env, "cannot start the event thread"));
    r->thread_started = 1;
    return enif_make_tuple2(env, atom_ok, term);
}

static ERL_NIF_TERM nif_close(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    engine_res *r;
    if (!enif_get_resource(env, argv[0], ENGINE_TYPE, (void **)&r)) return enif_make_badarg(env);
    shut_down(r);
    return atom_ok;
}

static ERL_NIF_TERM nif_handle_stanza(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    ErlNifBinary xml;
    if (!get_bytes(env, argv[1], &xml)) return enif_make_badarg(env);
    engine_res *r;
    if (!acquire(env, argv[0], &r)) return closed_or_badarg(env, argv[0]);
    int rc = nudge_handle_stanza(r->engine, (const char *)xml.data, xml.size);
    enif_rwlock_runlock(r->lock);
    return result(env, rc);
}

/* The shape of every call that takes the engine and a string (a JID, a
   JSON request) as argv[1]: the string copied out, the engine read-locked.
   Returns 1 with both held, to be given back with leave_with_string();
   otherwise 0 with *error set and nothing held. */
static int enter_with_string(ErlNifEnv *env, const ERL_NIF_TERM argv[], engine_res **r, char **text,
                             ERL_NIF_TERM *error)
{
    *text = get_cstring(env, argv[1]);
    if (*text == NULL) {
        *error = enif_make_badarg(env);
        return 0;
    }
    if (!acquire(env, argv[0], r)) {
        enif_free(*text);
        *error = closed_or_badarg(env, argv[0]);
        return 0;
    }
    return 1;
}

static void leave_with_string(engine_res *r, char *text)
{
    enif_rwlock_runlock(r->lock);
    enif_free(text);
}

/* session_online / resumed / closed, user_removed: one JID, one int result. */
static ERL_NIF_TERM session_call(ErlNifEnv *env, const ERL_NIF_TERM argv[],
                                 int (*fn)(nudge_engine *, const char *))
{
    engine_res *r;
    char *jid;
    ERL_NIF_TERM error;
    if (!enter_with_string(env, argv, &r, &jid, &error)) return error;
    int rc = fn(r->engine, jid);
    leave_with_string(r, jid);
    return result(env, rc);
}

static ERL_NIF_TERM nif_session_online(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return session_call(env, argv, nudge_session_online);
}

static ERL_NIF_TERM nif_session_resumed(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return session_call(env, argv, nudge_session_resumed);
}

static ERL_NIF_TERM nif_session_closed(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return session_call(env, argv, nudge_session_closed);
}

static ERL_NIF_TERM nif_session_pending(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    engine_res *r;
    char *jid;
    ERL_NIF_TERM error;
    if (!enter_with_string(env, argv, &r, &jid, &error)) return error;
    unsigned timeout = 0;
    int rc = nudge_session_pending(r->engine, jid, &timeout);
    leave_with_string(r, jid);
    if (rc != NUDGE_OK) return result(env, rc);
    return enif_make_tuple2(env, atom_ok, enif_make_uint(env, timeout));
}

static ERL_NIF_TERM nif_set_room_nick(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    char *user = get_cstring(env, argv[1]);
    char *room = get_cstring(env, argv[2]);
    char *nick = enif_is_identical(argv[3], atom_undefined) ? NULL : get_cstring(env, argv[3]);
    int nick_ok = nick != NULL || enif_is_identical(argv[3], atom_undefined);
    ERL_NIF_TERM ret;
    engine_res *r;
    if (user == NULL || room == NULL || !nick_ok) {
        ret = enif_make_badarg(env);
    } else if (!acquire(env, argv[0], &r)) {
        ret = closed_or_badarg(env, argv[0]);
    } else {
        int rc = nudge_set_room_nick(r->engine, user, room, nick);
        enif_rwlock_runlock(r->lock);
        ret = result(env, rc);
    }
    enif_free(user); /* enif_free(NULL) is allowed */
    enif_free(room);
    enif_free(nick);
    return ret;
}

/* A yes-or-no question about a user (nudge_wants_*): {ok, true | false}. */
static ERL_NIF_TERM wants(ErlNifEnv *env, const ERL_NIF_TERM argv[], int (*ask)(nudge_engine *, const char *, int *))
{
    engine_res *r;
    char *jid;
    ERL_NIF_TERM error;
    if (!enter_with_string(env, argv, &r, &jid, &error)) return error;
    int wanted = 0;
    int rc = ask(r->engine, jid, &wanted);
    leave_with_string(r, jid);
    if (rc != NUDGE_OK) return result(env, rc);
    return enif_make_tuple2(env, atom_ok, wanted ? atom_true : atom_false);
}

static ERL_NIF_TERM nif_wants_sender_roster(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return wants(env, argv, nudge_wants_sender_roster);
}

static ERL_NIF_TERM nif_wants_session_activity(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return wants(env, argv, nudge_wants_session_activity);
}

static ERL_NIF_TERM nif_session_activity(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    ErlNifBinary xml;
    if (!get_bytes(env, argv[2], &xml)) return enif_make_badarg(env);
    engine_res *r;
    char *full;
    ERL_NIF_TERM error;
    if (!enter_with_string(env, argv, &r, &full, &error)) return error;
    int rc = nudge_session_activity(r->engine, full, (const char *)xml.data, xml.size);
    leave_with_string(r, full);
    return result(env, rc);
}

/* queued | offline | archived, optionally {Where, contact | stranger}. */
static int held_where(ErlNifEnv *env, ERL_NIF_TERM term, unsigned *where)
{
    const ERL_NIF_TERM *pair;
    int arity;
    unsigned sender = 0;
    if (enif_get_tuple(env, term, &arity, &pair)) {
        if (arity != 2) return 0;
        if (enif_is_identical(pair[1], atom_contact)) sender = NUDGE_HELD_FROM_CONTACT;
        else if (enif_is_identical(pair[1], atom_stranger)) sender = NUDGE_HELD_FROM_STRANGER;
        else return 0;
        term = pair[0];
    }
    if (enif_is_identical(term, atom_queued)) *where = NUDGE_HELD_QUEUED | sender;
    else if (enif_is_identical(term, atom_offline)) *where = NUDGE_HELD_OFFLINE | sender;
    else if (enif_is_identical(term, atom_archived)) *where = NUDGE_HELD_ARCHIVED | sender;
    else return 0;
    return 1;
}

static ERL_NIF_TERM nif_stanza_held(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    unsigned where;
    if (!held_where(env, argv[3], &where)) return enif_make_badarg(env);
    ErlNifBinary xml;
    if (!get_bytes(env, argv[2], &xml)) return enif_make_badarg(env);
    engine_res *r;
    char *user;
    ERL_NIF_TERM error;
    if (!enter_with_string(env, argv, &r, &user, &error)) return error;
    int rc = nudge_stanza_held(r->engine, user, (const char *)xml.data, xml.size, (nudge_held_where)where);
    leave_with_string(r, user);
    return result(env, rc);
}

/* A call that hands out a text: nudge_stats_json, nudge_metrics_text. */
static ERL_NIF_TERM text_of(ErlNifEnv *env, ERL_NIF_TERM engine, int (*call)(nudge_engine *, char **))
{
    engine_res *r;
    if (!acquire(env, engine, &r)) return closed_or_badarg(env, engine);
    char *text = NULL;
    int rc = call(r->engine, &text);
    enif_rwlock_runlock(r->lock);
    if (rc != NUDGE_OK) {
        nudge_free(text);
        return result(env, rc);
    }
    ERL_NIF_TERM out = make_cstring(env, text);
    nudge_free(text);
    return enif_make_tuple2(env, atom_ok, out);
}

static ERL_NIF_TERM nif_stats(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return text_of(env, argv[0], nudge_stats_json);
}

static ERL_NIF_TERM nif_metrics(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return text_of(env, argv[0], nudge_metrics_text);
}

static ERL_NIF_TERM nif_admin(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    engine_res *r;
    char *request;
    ERL_NIF_TERM error;
    if (!enter_with_string(env, argv, &r, &request, &error)) return error;
    char *reply = NULL;
    int rc = nudge_admin(r->engine, request, &reply);
    leave_with_string(r, request);
    ERL_NIF_TERM out;
    if (reply == NULL) out = result(env, rc == NUDGE_OK ? NUDGE_ENOMEM : rc);
    else if (rc == NUDGE_OK) out = enif_make_tuple2(env, atom_ok, make_cstring(env, reply));
    else out = enif_make_tuple3(env, atom_error, code_atom(env, rc), make_cstring(env, reply));
    nudge_free(reply);
    return out;
}

static ERL_NIF_TERM nif_user_removed(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    return session_call(env, argv, nudge_user_removed);
}

/* account_disco(Engine, AccountJid, RequesterJid | undefined) */
static ERL_NIF_TERM nif_account_disco(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    char *requester = enif_is_identical(argv[2], atom_undefined) ? NULL : get_cstring(env, argv[2]);
    if (requester == NULL && !enif_is_identical(argv[2], atom_undefined)) return enif_make_badarg(env);
    engine_res *r;
    char *account;
    ERL_NIF_TERM error;
    if (!enter_with_string(env, argv, &r, &account, &error)) {
        enif_free(requester);
        return error;
    }
    char *xml = NULL;
    int rc = nudge_account_disco(r->engine, account, requester, &xml);
    leave_with_string(r, account);
    enif_free(requester);
    ERL_NIF_TERM out = rc == NUDGE_OK ? enif_make_tuple2(env, atom_ok, make_cstring(env, xml)) : result(env, rc);
    nudge_free(xml);
    return out;
}

/* info(ConfigJson): how to route to an engine with this configuration. */
static ERL_NIF_TERM nif_info(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    char *config = get_cstring(env, argv[0]);
    if (config == NULL) return enif_make_badarg(env);
    char *json = NULL, *errmsg = NULL;
    int rc = nudge_info(config, &json, &errmsg);
    enif_free(config);
    ERL_NIF_TERM out = rc == NUDGE_OK
        ? enif_make_tuple2(env, atom_ok, make_cstring(env, json))
        : enif_make_tuple3(env, atom_error, code_atom(env, rc), make_cstring(env, errmsg ? errmsg : nudge_strerror(rc)));
    nudge_free(json);
    nudge_free(errmsg);
    return out;
}

/* config_schema(): every configuration key (nudge_config_schema), as JSON. */
static ERL_NIF_TERM nif_config_schema(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    (void)argv;
    char *json = NULL;
    int rc = nudge_config_schema(&json);
    ERL_NIF_TERM out = rc == NUDGE_OK ? enif_make_tuple2(env, atom_ok, make_cstring(env, json)) : result(env, rc);
    nudge_free(json);
    return out;
}

static ERL_NIF_TERM nif_version(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    (void)argv;
    return make_cstring(env, nudge_version(NULL, NULL, NULL));
}

/* strerror(Code): Code as an integer or as one of the atoms above. */
static ERL_NIF_TERM nif_strerror(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
    (void)argc;
    int code;
    if (!enif_get_int(env, argv[0], &code)) {
        char name[16];
        if (enif_get_atom(env, argv[0], name, sizeof name, ERL_NIF_LATIN1) <= 0) return enif_make_badarg(env);
        size_t i = 0;
        while (i < NCODES && strcmp(CODES[i].name, name) != 0) i++;
        if (i == NCODES) return enif_make_badarg(env);
        code = CODES[i].code;
    }
    return make_cstring(env, nudge_strerror(code));
}

/* ---- Loading ----------------------------------------------------------- */

static int open_types(ErlNifEnv *env, ErlNifResourceFlags flags)
{
    ENGINE_TYPE = enif_open_resource_type(env, NULL, "nudge_engine", engine_dtor, flags, NULL);
    if (ENGINE_TYPE == NULL) return 1;
    atom_ok = enif_make_atom(env, "ok");
    atom_error = enif_make_atom(env, "error");
    atom_closed = enif_make_atom(env, "closed");
    atom_undefined = enif_make_atom(env, "undefined");
    atom_nudge_event = enif_make_atom(env, "nudge_event");
    atom_stanza = enif_make_atom(env, "stanza");
    atom_disabled = enif_make_atom(env, "disabled");
    atom_log = enif_make_atom(env, "log");
    atom_unknown = enif_make_atom(env, "unknown");
    atom_debug = enif_make_atom(env, "debug");
    atom_info = enif_make_atom(env, "info");
    atom_warn = enif_make_atom(env, "warn");
    atom_queued = enif_make_atom(env, "queued");
    atom_offline = enif_make_atom(env, "offline");
    atom_archived = enif_make_atom(env, "archived");
    atom_contact = enif_make_atom(env, "contact");
    atom_stranger = enif_make_atom(env, "stranger");
    atom_true = enif_make_atom(env, "true");
    atom_false = enif_make_atom(env, "false");
    return 0;
}

static int load(ErlNifEnv *env, void **priv, ERL_NIF_TERM info)
{
    (void)priv;
    (void)info;
    return open_types(env, ERL_NIF_RT_CREATE);
}

/* Reloading the module takes the resource type over, so engines opened by
   the old code stay valid. */
static int upgrade(ErlNifEnv *env, void **priv, void **old_priv, ERL_NIF_TERM info)
{
    (void)priv;
    (void)old_priv;
    (void)info;
    return open_types(env, ERL_NIF_RT_TAKEOVER);
}

static ErlNifFunc funcs[] = {
    {"open", 1, nif_open, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"close", 1, nif_close, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"admin", 2, nif_admin, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"handle_stanza", 2, nif_handle_stanza, 0},
    {"session_online", 2, nif_session_online, 0},
    {"session_pending", 2, nif_session_pending, 0},
    {"session_resumed", 2, nif_session_resumed, 0},
    {"session_closed", 2, nif_session_closed, 0},
    {"set_room_nick", 4, nif_set_room_nick, 0},
    {"stanza_held", 4, nif_stanza_held, 0},
    {"wants_sender_roster", 2, nif_wants_sender_roster, 0},
    {"wants_session_activity", 2, nif_wants_session_activity, 0},
    {"session_activity", 3, nif_session_activity, 0},
    {"stats", 1, nif_stats, 0},
    {"metrics", 1, nif_metrics, 0},
    {"user_removed", 2, nif_user_removed, 0},
    {"account_disco", 3, nif_account_disco, 0},
    {"info", 1, nif_info, 0},
    {"config_schema", 0, nif_config_schema, 0},
    {"version", 0, nif_version, 0},
    {"strerror", 1, nif_strerror, 0},
};

ERL_NIF_INIT(nudge_nif, funcs, load, NULL, upgrade, NULL)
