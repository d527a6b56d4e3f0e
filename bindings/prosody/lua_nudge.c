/*
 * lua_nudge.c — the Lua C module `nudge`: libnudge (include/nudge.h) for
 * Prosody and any other Lua 5.1–5.4 or LuaJIT host.
 *
 * Thin, as DESIGN.md asks of bindings: every function turns one Lua call
 * into one C call and the result back into Lua values. No policy lives
 * here; mod_nudge.lua decides what to do with the outcomes.
 *
 * API (local nudge = require "nudge")
 *
 *   nudge.open(config_json)           -> engine | nil, message, code
 *       message: the errmsg of nudge_open (naming the key or file at fault)
 *       or nudge.strerror(code); code: a negative nudge.E* value.
 *
 *   nudge.check_config(config_json)   -> true | nil, message, code
 *       nudge_check_config: the errors open would report (the keys, the
 *       vendors' key files), without opening the store or starting threads.
 *
 *   nudge.info(config_json)           -> json | nil, message, code
 *       nudge_info: how to route to an engine with this configuration
 *       (domains, the app server's register hosts and commands, the id
 *       prefix of the engine's own iqs), before any engine is open.
 *
 *   nudge.config_schema()             -> json | nil, message, code
 *       nudge_config_schema: every configuration key (type, range,
 *       default, meaning, the native option hosts offer for it).
 *
 *   Engine methods. Unless noted they return true on NUDGE_OK, otherwise
 *   nil, nudge.strerror(code), code. After close every method returns
 *   nil, "engine closed", nudge.EINVAL. In a child process after fork()
 *   (a daemon that forked after opening) every method returns
 *   nil, nudge.strerror(nudge.EFORKED), nudge.EFORKED, and close and
 *   __gc return without freeing the parent's engine (nudge.h, FORK).
 *
 *   engine:handle_stanza(xml)         -> true | false, "not for nudge", nudge.ENOTFOR
 *                                        | nil, message, code
 *       false is a normal outcome: the host handles the stanza as if Nudge
 *       were absent.
 *   engine:session_online(full_jid)
 *   engine:session_pending(full_jid)  -> true, timeout_s   (0: keep the host's default)
 *   engine:session_resumed(full_jid)
 *   engine:session_closed(full_jid)
 *   engine:set_room_nick(user_jid, room_jid, nick_or_nil)
 *   engine:wants_sender_roster(user_jid) -> true | false   (nudge_wants_sender_roster)
 *   engine:wants_session_activity(user_jid) -> true | false (nudge_wants_session_activity)
 *   engine:session_activity(full_jid, xml)   a message the session sent
 *       (nudge_session_activity), when wants_session_activity said so.
 *   engine:stanza_held(user_jid, xml, flags)
 *       flags: nudge.HELD_QUEUED (user_jid full), HELD_OFFLINE or
 *       HELD_ARCHIVED (user_jid bare), plus HELD_FROM_CONTACT or
 *       HELD_FROM_STRANGER when wants_sender_roster said so.
 *   engine:event_fd()                 -> fd (integer; watch it, never read or close it)
 *   engine:next_event()               -> nil when no event waits, else
 *                                        kind, data, target, level
 *       kind: "stanza" | "disabled" | "log" ("unknown" for a kind this
 *       binding predates); data: the stanza XML, the JSON of a disabled
 *       event or the log line (may contain NUL bytes); target: the JID the
 *       event concerns, nil for logs; level: "debug" | "info" | "warn" |
 *       "error" for logs, nil otherwise.
 *   engine:events()                   -> iterator for
 *       for kind, data, target, level in engine:events() do ... end
 *   engine:stats()                    -> json
 *   engine:user_removed(user_jid)     the account was deleted (queued)
 *   engine:account_disco(account_jid, requester_jid_or_nil) -> xml
 *       a disco#info <query/> whose children the host adds to the
 *       account's disco#info reply
 *   engine:admin(request_json)        -> reply_json, code (0 on success,
 *                                        negative with the engine's error reply)
 *                                        | nil, message, code (no reply formed)
 *   engine:close()                    -> true (nil, "engine closed", EINVAL the
 *                                        second time, like every method)
 *
 *   The engine is a userdata with metatable "nudge.engine"; __gc and (Lua
 *   5.4) __close close it once, so `local e <close> = nudge.open(...)`
 *   works. tostring(engine) is "nudge.engine: 0x..." or
 *   "nudge.engine (closed)".
 *
 *   Module fields: nudge.version (the library's "MAJOR.MINOR.PATCH"),
 *   nudge.HELD_QUEUED, HELD_OFFLINE, HELD_ARCHIVED, HELD_FROM_CONTACT,
 *   HELD_FROM_STRANGER, the result codes
 *   nudge.OK, EMPTY, EINVAL, ECONFIG, ESTORE, ESCHEMA, ELOCKED, EXML,
 *   ETOOBIG, ELIMIT, EJID, ENOTFOR, EBUSY, ENOTFOUND, EFULL, ENOMEM, EFORKED, and
 *   nudge.strerror(code).
 *
 * Errors: a wrong argument type, or a JID, nickname or JSON text with a NUL
 * byte (the C API takes them as C strings), is a programming error and
 * raises a Lua error. What the engine refuses is a runtime outcome and is
 * returned as nil, message, code, as Prosody's own libraries do.
 */
#include <limits.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "nudge.h"

#define ENGINE_MT "nudge.engine"
#define OWNED_MT "nudge.owned"

/* ---- Compatibility with Lua 5.1 and LuaJIT ----------------------------- */

/* Plain Lua 5.1 has neither luaL_setfuncs nor luaL_newlib; LuaJIT 2.1 adds
   both, and its luaL_newlib macro tells it apart. Ours takes another name so
   that it can never clash with a declaration; no upvalues are needed here. */
#if LUA_VERSION_NUM < 502 && !defined(luaL_newlib)
static void compat_setfuncs(lua_State *L, const luaL_Reg *l, int nup) {
    (void)nup;
    for (; l->name; l++) {
        lua_pushcfunction(L, l->func);
        lua_setfield(L, -2, l->name);
    }
}
#define luaL_setfuncs compat_setfuncs
#define luaL_newlib(L, l) (lua_newtable(L), luaL_setfuncs(L, l, 0))
#endif

/* ---- Memory the engine hands out --------------------------------------- */

/* Pushing a string can raise a memory error, which longjmps past any
   nudge_free() that follows. So a small userdata whose __gc frees its
   pointer is made before the C call (when raising loses nothing), takes
   what the engine hands out, and is emptied at once on the normal path. */
typedef struct {
    void *p;
    int is_event; /* nudge_event_free() rather than nudge_free() */
} owned;

static owned *owned_new(lua_State *L, int is_event) {
    owned *o = lua_newuserdata(L, sizeof *o);
    o->p = NULL;
    o->is_event = is_event;
    luaL_getmetatable(L, OWNED_MT);
    lua_setmetatable(L, -2);
    return o;
}

static void owned_free(owned *o) {
    if (o->is_event)
        nudge_event_free(o->p);
    else
        nudge_free(o->p);
    o->p = NULL;
}

static int owned_gc(lua_State *L) {
    owned_free(luaL_checkudata(L, 1, OWNED_MT));
    return 0;
}

/* ---- Arguments and results --------------------------------------------- */

typedef struct {
    nudge_engine *e; /* NULL once closed (or if nudge_open failed) */
} engine_box;

/* A string the C API reads up to its NUL: one inside would silently cut
   it, so it is refused as the programming error it is. */
static const char *check_cstring(lua_State *L, int arg) {
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    if (strlen(s) != len) luaL_argerror(L, arg, "contains a NUL byte");
    return s;
}

static const char *opt_cstring(lua_State *L, int arg) {
    return lua_isnoneornil(L, arg) ? NULL : check_cstring(L, arg);
}

/* nil, message, code: how every engine-side failure reaches Lua. */
static int fail(lua_State *L, const char *message, int code) {
    lua_pushnil(L);
    lua_pushstring(L, message);
    lua_pushinteger(L, code);
    return 3;
}

static int result(lua_State *L, int rc) {
    if (rc != NUDGE_OK) return fail(L, nudge_strerror(rc), rc);
    lua_pushboolean(L, 1);
    return 1;
}

#define CLOSED(L) fail(L, "engine closed", NUDGE_EINVAL)

/* The engine of argument 1, or NULL if it was closed. */
static nudge_engine *engine_of(lua_State *L) {
    return ((engine_box *)luaL_checkudata(L, 1, ENGINE_MT))->e;
}

/* ---- Module functions -------------------------------------------------- */

static int l_open(lua_State *L) {
    const char *config = check_cstring(L, 1);
    /* Both boxes exist before nudge_open, so nothing can fail between the
       engine coming into being and Lua owning it. */
    owned *err = owned_new(L, 0);
    engine_box *box = lua_newuserdata(L, sizeof *box);
    box->e = NULL;
    luaL_getmetatable(L, ENGINE_MT);
    lua_setmetatable(L, -2);

    char *msg = NULL;
    int rc = nudge_open(config, &box->e, &msg);
    err->p = msg;
    if (rc != NUDGE_OK) {
        int n = fail(L, err->p ? err->p : nudge_strerror(rc), rc);
        owned_free(err);
        return n;
    }
    return 1;
}

static int l_check_config(lua_State *L) {
    const char *config = check_cstring(L, 1);
    owned *err = owned_new(L, 0);
    char *msg = NULL;
    int rc = nudge_check_config(config, &msg);
    err->p = msg;
    if (rc != NUDGE_OK) {
        int n = fail(L, err->p ? err->p : nudge_strerror(rc), rc);
        owned_free(err);
        return n;
    }
    owned_free(err);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_info(lua_State *L) {
    const char *config = check_cstring(L, 1);
    owned *out = owned_new(L, 0);
    owned *err = owned_new(L, 0);
    char *json = NULL, *msg = NULL;
    int rc = nudge_info(config, &json, &msg);
    out->p = json;
    err->p = msg;
    if (rc != NUDGE_OK) return fail(L, err->p ? err->p : nudge_strerror(rc), rc);
    lua_pushstring(L, json);
    owned_free(out);
    owned_free(err);
    return 1;
}

static int l_config_schema(lua_State *L) {
    owned *out = owned_new(L, 0);
    char *json = NULL;
    int rc = nudge_config_schema(&json);
    out->p = json;
    if (rc != NUDGE_OK) return fail(L, nudge_strerror(rc), rc);
    lua_pushstring(L, json);
    owned_free(out);
    return 1;
}

static int l_strerror(lua_State *L) {
    lua_Integer code = luaL_checkinteger(L, 1);
    /* Out of int range it is no code at all; INT_MIN is none either. */
    lua_pushstring(L, nudge_strerror(code < INT_MIN || code > INT_MAX ? INT_MIN : (int)code));
    return 1;
}

/* ---- Engine methods ---------------------------------------------------- */

static int l_close(lua_State *L) {
    engine_box *box = luaL_checkudata(L, 1, ENGINE_MT);
    if (!box->e) return CLOSED(L);
    nudge_close(box->e);
    box->e = NULL;
    lua_pushboolean(L, 1);
    return 1;
}

/* __gc and __close: close once, quietly; an engine closed already (or
   never opened) is left alone. */
static int l_finalize(lua_State *L) {
    engine_box *box = luaL_checkudata(L, 1, ENGINE_MT);
    nudge_close(box->e);
    box->e = NULL;
    return 0;
}

static int l_tostring(lua_State *L) {
    nudge_engine *e = engine_of(L);
    if (e)
        lua_pushfstring(L, "nudge.engine: %p", (void *)e);
    else
        lua_pushliteral(L, "nudge.engine (closed)");
    return 1;
}

static int l_handle_stanza(lua_State *L) {
    nudge_engine *e = engine_of(L);
    size_t len;
    const char *xml = luaL_checklstring(L, 2, &len);
    if (!e) return CLOSED(L);
    int rc = nudge_handle_stanza(e, xml, len);
    if (rc == NUDGE_ENOTFOR) {
        /* Not an error: the host routes the stanza as if Nudge were absent. */
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "not for nudge");
        lua_pushinteger(L, rc);
        return 3;
    }
    return result(L, rc);
}

/* The calls that take an engine and one JID. */
static int jid_call(lua_State *L, int (*call)(nudge_engine *, const char *)) {
    nudge_engine *e = engine_of(L);
    const char *jid = check_cstring(L, 2);
    if (!e) return CLOSED(L);
    return result(L, call(e, jid));
}

static int l_session_online(lua_State *L) { return jid_call(L, nudge_session_online); }
static int l_session_resumed(lua_State *L) { return jid_call(L, nudge_session_resumed); }
static int l_session_closed(lua_State *L) { return jid_call(L, nudge_session_closed); }

static int l_session_pending(lua_State *L) {
    nudge_engine *e = engine_of(L);
    const char *jid = check_cstring(L, 2);
    if (!e) return CLOSED(L);
    unsigned timeout_s = 0;
    int rc = nudge_session_pending(e, jid, &timeout_s);
    if (rc != NUDGE_OK) return result(L, rc);
    lua_pushboolean(L, 1);
    lua_pushinteger(L, (lua_Integer)timeout_s);
    return 2;
}

static int l_set_room_nick(lua_State *L) {
    nudge_engine *e = engine_of(L);
    const char *user = check_cstring(L, 2);
    const char *room = check_cstring(L, 3);
    const char *nick = opt_cstring(L, 4);
    if (!e) return CLOSED(L);
    return result(L, nudge_set_room_nick(e, user, room, nick));
}

/* A yes-or-no question about a user (nudge_wants_*): true or false. */
static int wants(lua_State *L, int (*ask)(nudge_engine *, const char *, int *)) {
    nudge_engine *e = engine_of(L);
    const char *user = check_cstring(L, 2);
    if (!e) return CLOSED(L);
    int wanted = 0;
    int rc = ask(e, user, &wanted);
    if (rc != NUDGE_OK) return result(L, rc);
    lua_pushboolean(L, wanted);
    return 1;
}

static int l_wants_sender_roster(lua_State *L) { return wants(L, nudge_wants_sender_roster); }
static int l_wants_session_activity(lua_State *L) { return wants(L, nudge_wants_session_activity); }

static int l_session_activity(lua_State *L) {
    nudge_engine *e = engine_of(L);
    const char *full = check_cstring(L, 2);
    size_t len;
    const char *xml = luaL_checklstring(L, 3, &len);
    if (!e) return CLOSED(L);
    return result(L, nudge_session_activity(e, full, xml, len));
}

static int l_stanza_held(lua_State *L) {
    nudge_engine *e = engine_of(L);
    const char *user = check_cstring(L, 2);
    size_t len;
    const char *xml = luaL_checklstring(L, 3, &len);
    lua_Integer flags = luaL_checkinteger(L, 4);
    if (!e) return CLOSED(L);
    /* Which flags are valid is the engine's to say; a number that does not
       even fit its parameter must not wrap around into a valid one. */
    if (flags < 0 || (unsigned long long)flags > UINT_MAX) return result(L, NUDGE_EINVAL);
    return result(L, nudge_stanza_held(e, user, xml, len, (nudge_held_where)flags));
}

static int l_event_fd(lua_State *L) {
    nudge_engine *e = engine_of(L);
    if (!e) return CLOSED(L);
    int fd = nudge_event_fd(e);
    if (fd < 0) return result(L, fd);
    lua_pushinteger(L, fd);
    return 1;
}

static int l_next_event(lua_State *L) {
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    nudge_engine *e = engine_of(L);
    if (!e) return CLOSED(L);
    owned *ev = owned_new(L, 1);
    nudge_event *event = NULL;
    int rc = nudge_next_event(e, &event);
    ev->p = event;
    if (rc == NUDGE_EMPTY) {
        lua_pushnil(L);
        return 1;
    }
    if (rc != NUDGE_OK) return result(L, rc);

    int kind = nudge_event_kind(event);
    switch (kind) {
    case NUDGE_EVENT_STANZA: lua_pushliteral(L, "stanza"); break;
    case NUDGE_EVENT_DISABLED: lua_pushliteral(L, "disabled"); break;
    case NUDGE_EVENT_LOG: lua_pushliteral(L, "log"); break;
    default: lua_pushliteral(L, "unknown"); break;
    }
    size_t len = 0;
    const char *data = nudge_event_data(event, &len);
    lua_pushlstring(L, data ? data : "", data ? len : 0);
    const char *target = nudge_event_target(event);
    if (target)
        lua_pushstring(L, target);
    else
        lua_pushnil(L);
    if (kind == NUDGE_EVENT_LOG) {
        int level = nudge_event_level(event);
        lua_pushstring(L, level >= NUDGE_LOG_DEBUG && level <= NUDGE_LOG_ERROR ? levels[level] : "info");
    } else {
        lua_pushnil(L);
    }
    owned_free(ev);
    return 4;
}

/* The generic-for protocol calls next_event(engine, previous kind); the
   extra argument is ignored and the loop ends at the first nil. */
static int l_events(lua_State *L) {
    luaL_checkudata(L, 1, ENGINE_MT);
    lua_pushcfunction(L, l_next_event);
    lua_pushvalue(L, 1);
    return 2;
}

static int l_user_removed(lua_State *L) { return jid_call(L, nudge_user_removed); }

static int l_account_disco(lua_State *L) {
    nudge_engine *e = engine_of(L);
    const char *account = check_cstring(L, 2);
    const char *requester = opt_cstring(L, 3);
    if (!e) return CLOSED(L);
    owned *box = owned_new(L, 0);
    char *xml = NULL;
    int rc = nudge_account_disco(e, account, requester, &xml);
    box->p = xml;
    if (rc != NUDGE_OK) return result(L, rc);
    lua_pushstring(L, xml);
    owned_free(box);
    return 1;
}

static int l_stats(lua_State *L) {
    nudge_engine *e = engine_of(L);
    if (!e) return CLOSED(L);
    owned *box = owned_new(L, 0);
    char *json = NULL;
    int rc = nudge_stats_json(e, &json);
    box->p = json;
    if (rc != NUDGE_OK) return result(L, rc);
    lua_pushstring(L, json);
    owned_free(box);
    return 1;
}

static int l_admin(lua_State *L) {
    nudge_engine *e = engine_of(L);
    const char *request = check_cstring(L, 2);
    if (!e) return CLOSED(L);
    owned *box = owned_new(L, 0);
    char *reply = NULL;
    int rc = nudge_admin(e, request, &reply);
    box->p = reply;
    /* The engine's error reply says more than strerror, so it is returned
       whenever there is one. Success without a reply cannot happen unless
       the engine could not allocate it. */
    if (!reply) return result(L, rc == NUDGE_OK ? NUDGE_ENOMEM : rc);
    lua_pushstring(L, reply);
    lua_pushinteger(L, rc);
    owned_free(box);
    return 2;
}

/* ---- Registration ------------------------------------------------------ */

static const luaL_Reg engine_methods[] = {
    {"handle_stanza", l_handle_stanza},
    {"session_online", l_session_online},
    {"session_pending", l_session_pending},
    {"session_resumed", l_session_resumed},
    {"session_closed", l_session_closed},
    {"set_room_nick", l_set_room_nick},
    {"stanza_held", l_stanza_held},
    {"wants_sender_roster", l_wants_sender_roster},
    {"wants_session_activity", l_wants_session_activity},
    {"session_activity", l_session_activity},
    {"event_fd", l_event_fd},
    {"next_event", l_next_event},
    {"events", l_events},
    {"stats", l_stats},
    {"admin", l_admin},
    {"user_removed", l_user_removed},
    {"account_disco", l_account_disco},
    {"close", l_close},
    {NULL, NULL},
};

static const luaL_Reg module_functions[] = {
    {"open", l_open},
    {"check_config", l_check_config},
    {"info", l_info},
    {"config_schema", l_config_schema},
    {"strerror", l_strerror},
    {NULL, NULL},
};

static const struct {
    const char *name;
    int value;
} constants[] = {
    {"OK", NUDGE_OK},
    {"EMPTY", NUDGE_EMPTY},
    {"EINVAL", NUDGE_EINVAL},
    {"ECONFIG", NUDGE_ECONFIG},
    {"ESTORE", NUDGE_ESTORE},
    {"ESCHEMA", NUDGE_ESCHEMA},
    {"ELOCKED", NUDGE_ELOCKED},
    {"EXML", NUDGE_EXML},
    {"ETOOBIG", NUDGE_ETOOBIG},
    {"ELIMIT", NUDGE_ELIMIT},
    {"EJID", NUDGE_EJID},
    {"ENOTFOR", NUDGE_ENOTFOR},
    {"EBUSY", NUDGE_EBUSY},
    {"ENOTFOUND", NUDGE_ENOTFOUND},
    {"EFULL", NUDGE_EFULL},
    {"ENOMEM", NUDGE_ENOMEM},
    {"EFORKED", NUDGE_EFORKED},
    {"HELD_QUEUED", NUDGE_HELD_QUEUED},
    {"HELD_OFFLINE", NUDGE_HELD_OFFLINE},
    {"HELD_ARCHIVED", NUDGE_HELD_ARCHIVED},
    {"HELD_FROM_CONTACT", NUDGE_HELD_FROM_CONTACT},
    {"HELD_FROM_STRANGER", NUDGE_HELD_FROM_STRANGER},
};

int luaopen_nudge(lua_State *L) {
    if (luaL_newmetatable(L, OWNED_MT)) {
        lua_pushcfunction(L, owned_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);

    if (luaL_newmetatable(L, ENGINE_MT)) {
        lua_newtable(L);
        luaL_setfuncs(L, engine_methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_finalize);
        lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
        /* to-be-closed variables exist from Lua 5.4 on */
        lua_pushcfunction(L, l_finalize);
        lua_setfield(L, -2, "__close");
#endif
        lua_pushcfunction(L, l_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);

    luaL_newlib(L, module_functions);
    lua_pushstring(L, nudge_version(NULL, NULL, NULL));
    lua_setfield(L, -2, "version");
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    return 1;
}
