-- Tests of mod_nudge/config.lib.lua, mod_nudge's configuration logic,
-- outside Prosody: its option table against the engine's schema
-- (nudge.config_schema()), and the documents it builds from options as a
-- Prosody configuration would give them, checked by the engine itself
-- (nudge.check_config). Run by `make test`, with nudge.so on LUA_CPATH and
-- Prosody's util.json (the JSON codec mod_nudge uses) on LUA_PATH.

local nudge = require "nudge"
local ok_json, json = pcall(require, "util.json")
if not ok_json then
    error("util.json not found (Prosody's, /usr/lib/prosody/util/json.lua; make test puts PROSODY_LIB_DIR on LUA_PATH): "
        .. tostring(json), 0)
end

local here = (arg and arg[0] or ""):match("^(.*)/tests/[^/]*$") or "."
local config = dofile(here .. "/mod_nudge/config.lib.lua")

local schema = json.decode(assert(nudge.config_schema()))

local harness = dofile(((arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/harness.lua")
local test = harness.test

local function sorted_keys(t)
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys)
    return keys
end

local function same(a, b, what)
    local ta, tb = table.concat(a, ", "), table.concat(b, ", ")
    assert(ta == tb, (what or "") .. ":\n  got      " .. ta .. "\n  expected " .. tb)
end

-- A Prosody configuration: host -> { option -> value }, "*" the global section.
local function view(options, more)
    local v = {
        get = function(host, name)
            local own = options[host]
            if own and own[name] ~= nil then return own[name] end
            return options["*"] and options["*"][name]
        end,
        configured = { { "example.org", "local" }, { "example.net", "local" } },
        loaded = {},
        paths = { config = "/etc/prosody", data = "/var/lib/prosody" },
        resolve = function(base, path) return path:sub(1, 1) == "/" and path or base .. "/" .. path end,
        read = function(path) return nil, path .. ": No such file or directory" end,
        json = json,
    }
    for k, value in pairs(more or {}) do v[k] = value end
    return v
end

local function build(options, more)
    return config.build(view(options, more))
end

-- ---- The option table and the schema ---------------------------------------------

test("every option is a key's schema option, and every schema option is an option", function()
    local offered, old = {}, {}
    for _, entry in ipairs(schema.keys) do
        if entry.option then offered["nudge_" .. entry.option] = entry end
        for _, name in ipairs(entry.old_options or {}) do old["nudge_" .. name] = "nudge_" .. entry.option end
    end
    local here_options = {}
    for _, o in ipairs(config.native_options) do
        local entry = offered[o[1]]
        assert(entry, o[1] .. " is not the option of any key in the schema")
        assert(entry.key == o[2] .. "." .. o[3], o[1] .. " sets " .. o[2] .. "." .. o[3] .. ", the schema says " .. entry.key)
        -- A list option must not turn {} into a JSON object.
        local is_list = entry.type == "domains" or entry.type == "backends"
        assert((o.list == true) == is_list, o[1] .. ": list is " .. tostring(o.list) .. ", type " .. entry.type)
        here_options[o[1]] = true
    end
    same(sorted_keys(here_options), sorted_keys(offered), "native options")
    same(sorted_keys(config.old_options), sorted_keys(old), "old option names")
    for name, new in pairs(config.old_options) do assert(old[name] == new, name .. " -> " .. new) end
end)

test("each option set to its schema default lands on its key, and the engine takes it", function()
    for _, entry in ipairs(schema.keys) do
        if entry.option and entry.default ~= nil then
            local name = "nudge_" .. entry.option
            local text, err, doc = build({ ["*"] = { [name] = entry.default } })
            assert(text, name .. ": " .. tostring(err))
            local section, key = entry.key:match("^([^.]+)%.(.+)$")
            if type(entry.default) ~= "table" then
                assert(doc[section][key] == entry.default, name .. " did not land on " .. entry.key)
            end
            assert(nudge.check_config(text))
        end
    end
end)

-- ---- Building ---------------------------------------------------------------------

test("options become the engine's keys, for the VirtualHosts that load the module", function()
    local text, err, doc, source, warnings = build({
        ["*"] = { nudge_coalesce_window = 30.0, nudge_store_path = "push", nudge_notify_on = "all",
                  nudge_max_devices_per_user = 3, nudge_allow_domains = { "example.net" } },
    })
    assert(text, err)
    assert(source == "options" and #warnings == 0)
    -- 30.0 from the configuration is written as 30 (Lua 5.3+ keeps them apart).
    assert(doc.server.coalesce_window_s == 30)
    if math.type then assert(math.type(doc.server.coalesce_window_s) == "integer") end
    assert(doc.store.path == "/var/lib/prosody/push")
    same(doc.server.domains, { "example.net", "example.org" }, "domains")
    assert(doc.appserver.max_devices_per_user == 3 and doc.appserver.allow_domains[1] == "example.net")
    assert(doc.appserver.pubsub_host == nil and doc.log == nil)
    assert(nudge.check_config(text))
    local parsed = json.decode(text)
    assert(parsed.server.notify_on == "all" and parsed.store.path == "/var/lib/prosody/push")
end)

test("defaults: the store under data_path, the one component as the pubsub host, empty lists unset", function()
    local _, _, doc = build({ ["*"] = { nudge_backends = {}, nudge_allow_domains = {} } },
        { configured = { { "example.net", "local" }, { "push.example.net", "component" } } })
    assert(doc.store.path == "/var/lib/prosody/nudge")
    assert(doc.appserver.pubsub_host == "push.example.net")
    assert(doc.appserver.backends == nil and doc.appserver.allow_domains == nil)
    same(doc.server.domains, { "example.net" }, "domains")
    -- Hosts that loaded the module at run time count too.
    local _, _, later = build({}, { loaded = { ["example.com"] = "local" } })
    same(later.server.domains, { "example.com", "example.net", "example.org" }, "domains")
end)

test("hosts must agree on an option; one set identically or globally is fine", function()
    local _, err = build({ ["example.net"] = { nudge_coalesce_window = 10 }, ["example.org"] = { nudge_coalesce_window = 20 } })
    assert(err == "nudge_coalesce_window differs between example.net and example.org; one engine serves the whole "
        .. "server, so set it once (in the global section, or identically)", err)
    local text = build({ ["example.net"] = { nudge_backends = { { type = "ubuntu" } } },
                         ["example.org"] = { nudge_backends = { { type = "ubuntu" } } },
                         ["*"] = { nudge_pubsub_host = "push.example.net" } })
    assert(text and nudge.check_config(text))
end)

test("an old option name is taken for the new one, with a warning; both is an error", function()
    local text, err, doc, _, warnings = build({ ["*"] = { nudge_max_registrations_per_user = 7 } })
    assert(text, err)
    assert(doc.server.max_enablements_per_user == 7 and doc.server.max_registrations_per_user == nil)
    same(warnings, { "nudge_max_registrations_per_user is deprecated: it is now nudge_max_enablements_per_user, "
        .. "with the same meaning" }, "warnings")
    assert(nudge.check_config(text))
    local none, both = build({ ["*"] = { nudge_max_registrations_per_user = 7, nudge_max_enablements_per_user = 8 } })
    assert(none == nil)
    assert(both == "nudge_max_registrations_per_user: the old name of nudge_max_enablements_per_user, which is set "
        .. "too; keep only nudge_max_enablements_per_user", both)
end)

test("nudge_config_file: the whole document, server.domains by default, no native option beside it", function()
    local files = { ["/etc/prosody/nudge.json"] = '{"store": {"path": "/s"}, "log": {"level": "debug"}}' }
    local more = { read = function(path) return files[path] or nil, path .. ": No such file or directory" end }
    local text, err, doc, source = build({ ["*"] = { nudge_config_file = "nudge.json" } }, more)
    assert(text, err)
    assert(source == "file" and doc.log.level == "debug")
    same(json.decode(text).server.domains, { "example.net", "example.org" }, "domains")
    local _, beside = build({ ["*"] = { nudge_config_file = "nudge.json", nudge_max_registrations_per_user = 2 } }, more)
    assert(beside == "nudge_max_enablements_per_user: not allowed together with nudge_config_file; set "
        .. "server.max_enablements_per_user in nudge.json instead", beside)
    local _, missing = build({ ["*"] = { nudge_config_file = "/nowhere.json" } }, more)
    assert(missing == "nudge_config_file: /nowhere.json: No such file or directory", missing)
    -- Not an object: the engine says what is wrong with it.
    files["/etc/prosody/bad.json"] = "[1]"
    local bad = build({ ["*"] = { nudge_config_file = "bad.json" } }, more)
    assert(bad == "[1]")
end)

-- ---- Explaining the engine's errors -------------------------------------------------

test("an engine error names the option that set the key", function()
    local text = build({ ["*"] = { nudge_coalesce_window = "soon" } })
    local ok, message = nudge.check_config(text)
    assert(not ok)
    local explained = config.explain(message, "options")
    assert(explained == 'nudge_coalesce_window: server.coalesce_window_s: expected a whole number from 0 to 86400, got "soon"',
        explained)
    local backends = build({ ["*"] = { nudge_pubsub_host = "push.example.net", nudge_backends = { { type = "apns" } } } })
    local _, bmessage = nudge.check_config(backends)
    assert(config.explain(bmessage, "options"):find("^nudge_backends: appserver%.backends%[0%]%.app: required for apns"),
        config.explain(bmessage, "options"))
    assert(config.explain("server.domains: required", "options")
        == "modules_enabled (the VirtualHosts that load mod_nudge): server.domains: required")
    assert(config.explain("limits.max_depth: too deep", "options") == "limits.max_depth: too deep")
    assert(config.explain("x: y", "file") == "nudge_config_file: x: y")
end)

harness.run()
