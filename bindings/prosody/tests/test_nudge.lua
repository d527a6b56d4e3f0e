-- Tests of the Lua module `nudge` against the real libnudge.so, as
-- mod_nudge.lua will use it. Run by `make test` (LUA_CPATH points at the
-- nudge.so just built); runs under Lua 5.1–5.4 and LuaJIT.
--
-- The tests run in order and share one engine, as a host would: enable,
-- go pending, hold a message, see the publish, answer it.

local nudge = require "nudge"

local harness = dofile(((arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/harness.lua")
local test = harness.test

-- A fresh path for a store; the engine creates the directory.
local dirs = {}
local function tempdir()
    local path = os.tmpname()
    os.remove(path)
    dirs[#dirs + 1] = path
    return path
end

local function config(path, extra)
    return '{"store":{"path":"' .. path .. '","sync":false},'
        .. '"server":{"domains":["example.net"]' .. (extra or "") .. '}}'
end

local function sleep() os.execute("sleep 0.05") end

-- Every event seen so far, in order, so that a test waiting for one kind
-- of event does not lose the others.
local seen = {}

-- Drains the engine until an event satisfies pred, for at most 5 s.
local function wait_for(e, pred)
    for _ = 1, 100 do
        for kind, data, target, level in e:events() do
            local ev = { kind = kind, data = data, target = target, level = level }
            seen[#seen + 1] = ev
            if pred(ev) then return ev end
        end
        sleep()
    end
    error("no matching event within 5 s", 2)
end

local function raises(fn, pattern)
    local ok, err = pcall(fn)
    assert(not ok, "expected a Lua error")
    assert(tostring(err):find(pattern, 1, true), "error was: " .. tostring(err))
end

local function returns_failure(code, ...)
    local v, msg, c = ...
    assert(v == nil, "expected nil, got " .. tostring(v))
    assert(type(msg) == "string" and msg ~= "", "expected a message")
    assert(c == code, "expected code " .. code .. ", got " .. tostring(c))
    return msg
end

local ENABLE = "<iq type='set' id='e1' from='juliet@example.net/phone'>"
    .. "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n1'/></iq>"
local MESSAGE = "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='m1'>"
    .. "<body>Wherefore art thou?</body></message>"

local store = tempdir()
local e -- the shared engine

test("module fields", function()
    assert(nudge.version:match("^%d+%.%d+%.%d+$"), nudge.version)
    local codes = { OK = 0, EMPTY = 1, EINVAL = -1, ECONFIG = -2, ESTORE = -3, ESCHEMA = -4,
        ELOCKED = -5, EXML = -6, ETOOBIG = -7, ELIMIT = -8, EJID = -9, ENOTFOR = -10,
        EBUSY = -11, ENOTFOUND = -12, EFULL = -13, ENOMEM = -14, EFORKED = -15 }
    for name, value in pairs(codes) do assert(nudge[name] == value, name) end
    assert(nudge.HELD_QUEUED == 1 and nudge.HELD_OFFLINE == 2 and nudge.HELD_ARCHIVED == 4)
    assert(nudge.strerror(nudge.EJID) == "malformed JID, or bare where a full JID is required")
    assert(nudge.strerror(12345) == "unknown result code")
    assert(nudge.strerror(2 ^ 40) == "unknown result code")
end)

test("open with a bad config names the key", function()
    local msg = returns_failure(nudge.ECONFIG,
        nudge.open(config(tempdir(), ',"coalesce_window_s":"x"')))
    assert(msg:find("server.coalesce_window_s", 1, true), msg)
    msg = returns_failure(nudge.ECONFIG, nudge.open("{}"))
    assert(msg:find("store.path", 1, true), msg)
end)

test("check_config: the errors of open, without opening", function()
    local msg = returns_failure(nudge.ECONFIG,
        nudge.check_config(config(tempdir(), ',"coalesce_window_s":"x"')))
    assert(msg:find("server.coalesce_window_s", 1, true), msg)
    local path = tempdir()
    assert(nudge.check_config(config(path)) == true)
    assert(io.open(path) == nil, "check_config created the store")
end)

test("wrong argument types are Lua errors", function()
    raises(function() nudge.open() end, "bad argument #1")
    raises(function() nudge.open("{}\0") end, "NUL")
    raises(function() nudge.strerror("x") end, "bad argument #1")
end)

test("open on a temporary store", function()
    e = assert(nudge.open(config(store)))
    assert(tostring(e):match("^nudge%.engine: 0x%x+$"), tostring(e))
    local fd = e:event_fd()
    assert(math.type == nil or math.type(fd) == "integer")
    assert(fd >= 0)
end)

test("a second engine on the same store is refused", function()
    returns_failure(nudge.ELOCKED, nudge.open(config(store)))
end)

test("enable: the result stanza comes out as an event", function()
    assert(e:handle_stanza(ENABLE) == true)
    local ev = wait_for(e, function(ev) return ev.kind == "stanza" end)
    assert(ev.target == "juliet@example.net/phone", tostring(ev.target))
    assert(ev.data:find("type='result'", 1, true), ev.data)
    assert(ev.data:find("id='e1'", 1, true), ev.data)
    assert(ev.level == nil)
end)

test("session_pending returns the timeout", function()
    local ok, timeout = e:session_pending("juliet@example.net/phone")
    assert(ok == true and timeout == 259200, tostring(timeout))
    assert(math.type == nil or math.type(timeout) == "integer")
    -- a session that did not enable push keeps the host's default
    ok, timeout = e:session_pending("romeo@example.net/pc")
    assert(ok == true and timeout == 0, tostring(timeout))
    assert(e:session_closed("romeo@example.net/pc") == true)
end)

local publish
test("a held message is published to the app server", function()
    assert(e:stanza_held("juliet@example.net/phone", MESSAGE, nudge.HELD_QUEUED) == true)
    publish = wait_for(e, function(ev) return ev.kind == "stanza" and ev.target == "push.remote.example" end)
    assert(publish.data:find("<publish node='n1'>", 1, true), publish.data)
    assert(publish.data:find("urn:xmpp:push:summary", 1, true), publish.data)
end)

test("the app server's answer is taken", function()
    local id = assert(publish.data:match("id='(nudge%-[^']+)'"), publish.data)
    assert(e:handle_stanza("<iq type='result' id='" .. id
        .. "' from='push.remote.example' to='juliet@example.net'/>") == true)
end)

test("resumed, online and closed sessions", function()
    assert(e:session_resumed("juliet@example.net/phone") == true)
    assert(e:session_online("juliet@example.net/phone") == true)
    assert(e:session_closed("juliet@example.net/laptop") == true)
end)

test("a malformed stanza is EXML and logged once", function()
    for _ in e:events() do end -- earlier log lines, so the next is this one
    returns_failure(nudge.EXML, e:handle_stanza("<iq type='set'"))
    local ev = wait_for(e, function(ev) return ev.kind == "log" end)
    assert(ev.level == "warn", tostring(ev.level))
    assert(ev.target == nil)
    assert(ev.data:find("line 1", 1, true), ev.data)
end)

test("xml is passed with its Lua length, NUL bytes included", function()
    -- Cut at the NUL this would be a well-formed message (ENOTFOR).
    returns_failure(nudge.EXML, e:handle_stanza("<message to='juliet@example.net'/>\0junk"))
end)

test("a message is not for nudge", function()
    local v, msg, code = e:handle_stanza("<message to='juliet@example.net'><body>hi</body></message>")
    assert(v == false and msg == "not for nudge" and code == nudge.ENOTFOR)
end)

test("bad JIDs: EJID from the engine, NUL bytes a Lua error", function()
    returns_failure(nudge.EJID, e:session_online("juliet@example.net"))
    raises(function() e:session_online("juliet@example.net/ph\0one") end, "NUL")
    raises(function() e:session_online() end, "bad argument #1")
    raises(function() e:handle_stanza({}) end, "bad argument #1")
end)

test("stanza_held flags: exactly one HELD_* value", function()
    assert(e:stanza_held("juliet@example.net", MESSAGE, nudge.HELD_OFFLINE) == true)
    returns_failure(nudge.EINVAL, e:stanza_held("juliet@example.net", MESSAGE, 3))
    returns_failure(nudge.EINVAL, e:stanza_held("juliet@example.net", MESSAGE, -1))
    -- would wrap to HELD_OFFLINE if truncated to 32 bits
    returns_failure(nudge.EINVAL, e:stanza_held("juliet@example.net", MESSAGE, 2 ^ 32 + 2))
    raises(function() e:stanza_held("juliet@example.net", MESSAGE) end, "bad argument #3")
end)

test("session activity: asked for only with a grace period, a full JID", function()
    -- The enablement here is XEP-0357's: no grace, so nothing is read.
    assert(e:wants_session_activity("juliet@example.net/desk") == false)
    assert(e:session_activity("juliet@example.net/desk", "<message/>") == true)
    returns_failure(nudge.EJID, e:session_activity("juliet@example.net", "<message/>"))
    raises(function() e:session_activity("juliet@example.net/desk") end, "bad argument #2")
end)

test("set_room_nick with a nick and with nil", function()
    assert(e:set_room_nick("juliet@example.net", "capulets@rooms.example.org", "Juliet") == true)
    assert(e:set_room_nick("juliet@example.net", "capulets@rooms.example.org", nil) == true)
    assert(e:set_room_nick("juliet@example.net", "capulets@rooms.example.org") == true)
end)

test("stats is JSON", function()
    local json = assert(e:stats())
    assert(json:find('"users_enabled":1', 1, true), json)
end)

test("admin list, and an error reply", function()
    local reply, code = e:admin('{"command":"list","user":"juliet@example.net"}')
    assert(code == 0, tostring(code))
    assert(reply:find('"jid":"push.remote.example"', 1, true), reply)
    assert(reply:find('"node":"n1"', 1, true), reply)
    reply, code = e:admin('{"command":"frobnicate"}')
    assert(code == nudge.EINVAL, tostring(code))
    assert(reply:find('"ok":false', 1, true), reply)
    raises(function() e:admin("{\0}") end, "NUL")
end)

test("account_disco: the feature to anyone, the options form to the user", function()
    local own = assert(e:account_disco("juliet@example.net", "juliet@example.net/phone"))
    assert(own:find("urn:xmpp:push:0", 1, true) and own:find("urn:xmpp:push:options", 1, true), own)
    local other = assert(e:account_disco("juliet@example.net", nil))
    assert(other:find("urn:xmpp:push:0", 1, true) and not other:find("urn:xmpp:push:options", 1, true), other)
    returns_failure(nudge.EJID, e:account_disco("example.net", nil))
    returns_failure(nudge.ENOTFOR, e:account_disco("a@elsewhere.example", nil))
end)

test("user_removed: queued, and the enablements go", function()
    assert(e:user_removed("romeo@example.net") == true)
    returns_failure(nudge.EJID, e:user_removed("romeo@example.net/pc"))
    raises(function() e:user_removed("a\0b") end, "NUL")
end)

test("info: routing facts from a configuration, without an engine", function()
    local text = assert(nudge.info(config(tempdir())))
    assert(text:find('"id_prefix":"nudge-"', 1, true) and text:find('"appserver":null', 1, true), text)
    local msg = returns_failure(nudge.ECONFIG, nudge.info('{"store":{}}'))
    assert(msg:find("store.path", 1, true), msg)
end)

test("config_schema: every configuration key, without an engine", function()
    local text = assert(nudge.config_schema())
    assert(text:sub(1, 9) == '{"keys":[', text:sub(1, 40))
    assert(text:find('"key":"server.coalesce_window_s"', 1, true), text)
    assert(nudge.config_schema() == text)
end)

test("events() drains the queue; next_event() is then nil", function()
    e:session_online("juliet@example.net") -- logs the bad JID
    local n = 0
    for kind, data in e:events() do
        assert(type(kind) == "string" and type(data) == "string")
        n = n + 1
    end
    assert(n >= 1)
    assert(e:next_event() == nil)
    assert(select("#", e:next_event()) == 1)
end)

test("close, then every method says engine closed", function()
    assert(e:close() == true)
    assert(tostring(e) == "nudge.engine (closed)")
    for _, call in ipairs {
        function() return e:handle_stanza(ENABLE) end,
        function() return e:session_online("juliet@example.net/phone") end,
        function() return e:session_pending("juliet@example.net/phone") end,
        function() return e:stanza_held("juliet@example.net", MESSAGE, nudge.HELD_OFFLINE) end,
        function() return e:set_room_nick("juliet@example.net", "r@rooms.example.org", "J") end,
        function() return e:wants_session_activity("juliet@example.net/desk") end,
        function() return e:session_activity("juliet@example.net/desk", "<message/>") end,
        function() return e:event_fd() end,
        function() return e:next_event() end,
        function() return e:stats() end,
        function() return e:admin('{"command":"stats"}') end,
        function() return e:user_removed("juliet@example.net") end,
        function() return e:account_disco("juliet@example.net", nil) end,
        function() return e:close() end,
    } do
        local msg = returns_failure(nudge.EINVAL, call())
        assert(msg == "engine closed", msg)
    end
    local n = 0
    for _ in e:events() do n = n + 1 end
    assert(n == 0)
end)

test("the store was released: it opens again, with the enablement", function()
    e = assert(nudge.open(config(store)))
    local reply = e:admin('{"command":"list","user":"juliet@example.net"}')
    assert(reply:find('"node":"n1"', 1, true), reply)
    e:close()
end)

test("__gc closes a dropped engine", function()
    local path = tempdir()
    local dropped = assert(nudge.open(config(path)))
    assert(dropped:event_fd() >= 0)
    dropped = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    -- the store's lock went with the engine
    local again = assert(nudge.open(config(path)))
    again:close()
    again = nil -- luacheck: ignore
    collectgarbage() -- __gc of an engine closed already
end)

if _VERSION >= "Lua 5.4" then
    test("<close> closes the engine at the end of its scope", function()
        local path = tempdir()
        -- a chunk, so that this file still parses under Lua 5.1–5.3
        local escaped = assert(load([[
            local nudge, conf = ...
            local e <close> = nudge.open(conf)
            assert(e:event_fd() >= 0)
            return e
        ]]))(nudge, config(path))
        assert(tostring(escaped) == "nudge.engine (closed)")
        local msg = returns_failure(nudge.EINVAL, escaped:stats())
        assert(msg == "engine closed")
        -- a failed open returns nil, which <close> accepts
        assert(load([[
            local nudge = ...
            local e <close> = nudge.open("{}")
            return e == nil
        ]])(nudge))
        local again = assert(nudge.open(config(path)))
        again:close()
    end)
end

harness.run(function()
    for _, dir in ipairs(dirs) do os.execute("rm -rf '" .. dir .. "'") end
end)
