-- mod_nudge: XEP-0357 push notifications for Prosody 0.12, through libnudge.
--
-- The upper half of the Prosody binding (the lower half is nudge.so, the
-- Lua C module over include/nudge.h). Thin, as DESIGN.md asks of bindings:
-- Prosody's events become engine calls, the engine's events become stanzas
-- to route and log lines. Every decision (who may enable, what deserves a
-- push, when to coalesce, how long to keep a pending session) is the
-- engine's.
--
--   VirtualHost "example.net"
--       modules_enabled = { ..., "nudge" }
--   Component "push.example.net" "nudge"    -- the app server (optional)
--
-- One engine serves the whole process: every VirtualHost that loads the
-- module (those are server.domains) and the component share it. See
-- README.md beside this file for the options.

local json = require "util.json";
local jid = require "util.jid";
local xml_parse = require "util.xml".parse;
local resolve_relative_path = require "util.paths".resolve_relative_path;
local net_server = require "net.server";
local configmanager = require "core.configmanager";
local logger = require "util.logger";
local modulemanager = require "core.modulemanager";

-- The helpers in mod_nudge/ beside this file, one concern each (Prosody
-- finds `mod_nudge/NAME.lib.lua` in a plugin path): the configuration
-- (pure Lua, tested without Prosody), metrics, the admin shell, sessions
-- and held stanzas.
local nudge_config = module:require "mod_nudge/config";

local hosts = prosody.hosts;

local xmlns_push = "urn:xmpp:push:0";
local xmlns_push2 = "urn:xmpp:push2:0";
local xmlns_commands = "http://jabber.org/protocol/commands";

local is_component = module:get_host_type() == "component";

-- ---- The Lua C module ------------------------------------------------------

-- The nudge.so built beside this file first (it matches this mod_nudge.lua),
-- then whatever `require "nudge"` finds on package.cpath (`make install`).
local function load_library()
	if package.loaded.nudge then return package.loaded.nudge; end
	local problems = {};
	local dir = module:get_directory();
	if dir then
		local open, err = package.loadlib(dir .. "/nudge.so", "luaopen_nudge");
		if open then
			local lib = open("nudge");
			package.loaded.nudge = lib;
			return lib;
		end
		problems[#problems + 1] = err;
	end
	local ok, lib = pcall(require, "nudge");
	if ok then return lib; end
	problems[#problems + 1] = tostring(lib);
	return nil, table.concat(problems, "; ");
end

local nudge, load_err = load_library();
if not nudge then
	module:log("error", "Cannot load the Lua module nudge (nudge.so): %s", load_err);
	error("mod_nudge: cannot load nudge.so: " .. tostring(load_err));
end

-- ---- Other push modules -------------------------------------------------------

-- Another XEP-0357 module on the same host would answer the same enable and
-- push for every message a second time. Checked before anything is hooked:
-- a module whose load fails keeps the hooks it made.
local conflicting = { cloud_notify = "mod_cloud_notify" };

if not is_component then
	local configured = modulemanager.get_modules_for_host(module.host);
	for name, title in pairs(conflicting) do
		if configured:contains(name) or modulemanager.is_loaded(module.host, name) then
			error(("mod_nudge: %s is loaded on %s too, and both would push for every message; "
				.. "remove one of them from modules_enabled"):format(title, module.host), 0);
		end
	end
	-- Loaded later (module:load in the shell, a config reload): refused.
	module:hook("module-loaded", function (event)
		local title = conflicting[event.module];
		if not title or event.host ~= module.host then return; end
		module:log("error", "%s cannot run next to mod_nudge on %s: both would push for every message; "
			.. "unloading %s (remove it from modules_enabled)", title, module.host, title);
		modulemanager.unload(module.host, event.module);
	end);
end

-- ---- Process-wide state ------------------------------------------------------

-- Shared by every host that loads the module, and kept across reloads:
--   engine       the open engine (nil while closed)
--   config_json  the configuration it was opened with
--   config       that configuration as a table (register host, backends)
--   hosts        host -> "local" | "component", the hosts that loaded us
--   watcher      net.server's watch on the engine's event fd
--   drain        the drain function of the most recently loaded instance
local state = module:shared("/*/nudge/state");
state.hosts = state.hosts or {};

-- The engine serves every host at once, so its own log lines and events go
-- to one log source rather than to whichever host's instance drains them.
local engine_log = logger.init("mod_nudge");

local measure_routed = module:measure("routed_stanzas", "rate");
local measure_held = module:measure("held_stanzas", "rate");

-- ---- Engine events -> Prosody --------------------------------------------------

-- A stanza the engine wants routed: results and errors to local sessions,
-- publishes to app servers, answers of the app server to local or remote
-- servers. module:send (core_post_stanza) routes locally and remotely alike;
-- the origin is the host the stanza comes from.
local function route(xml, target)
	local stanza, err = xml_parse(xml);
	if not stanza then
		engine_log("error", "Unreadable stanza from the engine (to %s): %s", tostring(target), tostring(err));
		return;
	end
	-- Prosody keeps the client/server namespace implicit.
	if stanza.attr.xmlns == "jabber:client" or stanza.attr.xmlns == "jabber:server" then
		stanza.attr.xmlns = nil;
	end
	local origin = hosts[jid.host(stanza.attr.from) or ""] or hosts[jid.host(stanza.attr.to) or ""] or hosts[module.host];
	measure_routed();
	module:send(stanza, origin);
end

-- One engine event. Routing runs other modules' handlers (module:send), so
-- it may raise an error that is not ours.
local function handle_event(kind, data, target, level)
	if kind == "stanza" then
		route(data, target);
	elseif kind == "log" then
		engine_log(level or "info", "%s", data);
	elseif kind == "disabled" then
		-- No push state is kept here; the engine has dropped the enablement.
		engine_log("info", "Push disabled for %s: %s", tostring(target), data);
	else
		engine_log("debug", "Unknown engine event %s: %s", tostring(kind), tostring(data));
	end
end

local function drain()
	local engine = state.engine;
	-- The engine opens only once every host is loaded (see Load), so a
	-- restart wake's answer never comes back before the host that takes
	-- it has hooked it.
	if not engine or state.draining then return; end
	-- Routing a stanza can call back into the engine (and so here); the outer
	-- loop picks up whatever that adds.
	state.draining = true;
	for kind, data, target, level in engine:events() do
		-- Each event in its own protected call: an error in one (another
		-- module's handler) is logged once, and the rest of the batch is
		-- still routed now, not left waiting for the next wake-up.
		local ok, err = xpcall(handle_event, debug.traceback, kind, data, target, level);
		if not ok then
			engine_log("error", "Error while handling an engine %s event (to %s): %s", tostring(kind),
				tostring(target), tostring(err));
		end
	end
	state.draining = nil;
end

-- One engine call, then the events it produced.
local function call(method, ...)
	local engine = state.engine;
	if not engine then return nil, "engine closed", nudge.EINVAL; end
	local a, b, c = engine[method](engine, ...);
	state.drain();
	return a, b, c;
end

-- ---- Configuration -------------------------------------------------------------

-- What mod_nudge/config.lib.lua needs to know of this Prosody. Which hosts
-- load the module comes from the configuration, so that it does not
-- depend on the order in which hosts start: { host, kind }.
local function configured_hosts()
	local found = {};
	for host in pairs(configmanager.getconfig()) do
		if host ~= "*" and configmanager.get(host, "enabled") ~= false then
			local ok, modules, component = pcall(modulemanager.get_modules_for_host, host);
			if ok and modules then
				if component == "nudge" then
					found[#found + 1] = { host, "component" };
				elseif not component and modules:contains("nudge") then
					found[#found + 1] = { host, "local" };
				end
			end
		end
	end
	return found;
end

local function read_file(path)
	local f, err = io.open(path);
	if not f then return nil, err; end
	local text = f:read("*a");
	f:close();
	return text;
end

-- The engine's configuration: its JSON text, an error, the table, and
-- where it came from ("file" or "options"). Warnings (old option names)
-- are logged once per process, however often hosts load.
local function build_config()
	local text, err, doc, source, warnings = nudge_config.build({
		get = configmanager.get, configured = configured_hosts(), loaded = state.hosts,
		paths = { config = prosody.paths.config, data = prosody.paths.data },
		resolve = resolve_relative_path, read = read_file, json = json,
	});
	state.warned = state.warned or {};
	for _, warning in ipairs(warnings or {}) do
		if not state.warned[warning] then
			state.warned[warning] = true;
			module:log("warn", "%s", warning);
		end
	end
	return text, err, doc, source;
end

local explain = nudge_config.explain;

local function close_engine()
	local engine = state.engine;
	if not engine then return; end
	state.drain();
	if state.watcher then
		pcall(function () state.watcher:close(); end);
		state.watcher = nil;
	end
	state.engine = nil;
	engine:close();
	module:log("info", "Push engine closed");
end

-- Opens the engine, or keeps the open one if its configuration is the same.
-- check_only: check the configuration as opening would, and open nothing.
local function ensure_engine(check_only)
	local text, err, doc, source = build_config();
	if not text then return nil, err; end
	if state.engine and state.config_json == text then return true; end
	if source == "options" and #doc.server.domains == 0 then
		return nil, "no VirtualHost loads mod_nudge: load it on the VirtualHosts whose users get push (server.domains)";
	end
	if check_only then
		local ok, cerr = nudge.check_config(text);
		if not ok then return nil, explain(cerr, source); end
		-- What the load of this host needs to know: where the engine takes
		-- registration commands, and which it lists.
		state.info = json.decode((nudge.info(text)));
		return true;
	end
	if state.engine then
		module:log("info", "Push engine configuration changed; reopening");
		close_engine();
	end
	local engine, oerr = nudge.open(text);
	if not engine then return nil, explain(oerr, source); end
	state.engine, state.config_json, state.info = engine, text, json.decode((nudge.info(text)));
	state.watcher = net_server.watchfd(engine:event_fd(), function () state.drain(); end);
	module:log("info", "Push engine %s open for %s (store %s)", nudge.version,
		table.concat(doc.server and doc.server.domains or {}, ", "), tostring(doc.store and doc.store.path));
	return true;
end

-- Whether the engine takes registration commands on `host` (nudge_info).
local function is_register_host(host)
	local appserver = state.info and state.info.appserver;
	if type(appserver) ~= "table" then return false; end
	for _, h in ipairs(appserver.register_hosts or {}) do
		if h == host then return true; end
	end
	return false;
end

-- ---- Prosody's metrics -------------------------------------------------------------

local update_metrics = module:require "mod_nudge/metrics"(state);

-- ---- Load ----------------------------------------------------------------------

state.hosts[module.host] = is_component and "component" or "local";
state.drain = drain;
do
	-- While Prosody starts (hosts load before start_time is set) the engine
	-- is not opened: mod_posix forks on server-started to daemonize
	-- (prosodyctl start, prosody -D), and the engine's threads would stay
	-- in the parent, which exits, leaving the daemon an engine that refuses
	-- every call. The configuration is checked now, so that its errors
	-- still stop the start. Loaded into a running server (or reloaded), it
	-- opens at once.
	local ok, err = ensure_engine(not prosody.start_time);
	if not ok then
		state.hosts[module.host] = nil;
		module:log("error", "%s", err);
		error("mod_nudge: " .. tostring(err));
	end
	-- The watcher calls state.drain, which is now this instance's.
	state.drain();
end

function module.unload()
	state.hosts[module.host] = nil;
	if state.update_metrics == update_metrics then state.update_metrics = nil; end
	if next(state.hosts) == nil then
		close_engine();
	end
end

-- While Prosody starts, the engine is only checked (see Load): it opens
-- here, after mod_posix (priority 0) has daemonized, in the process that
-- serves. Once per start, whichever host's instance comes first.
module:hook_global("server-started", function ()
	if not state.opened_at_start then
		state.opened_at_start = true;
		local ok, err = ensure_engine();
		if not ok then engine_log("error", "Cannot open the push engine: %s", err); end
	end
	state.drain();
end, -100);

module:hook_global("server-stopping", function ()
	state.stopping = true;
end, 100);

module:hook_global("server-stopped", function ()
	close_engine();
end);

-- ---- Routing helpers ---------------------------------------------------------------

-- Hands an iq to the engine. true: the engine answers (as an event).
local function to_engine(event)
	if not state.engine then return nil; end -- as if Nudge were absent
	local stanza = event.stanza;
	local ok, err = call("handle_stanza", tostring(stanza));
	if ok == false then return nil; end -- NUDGE_ENOTFOR: not the engine's
	-- Anything else is the engine's: it answers (as an event) whatever can
	-- be answered, a refusal included (nudge.h, nudge_handle_stanza).
	if not ok then module:log("debug", "Engine refused an iq from %s: %s", tostring(stanza.attr.from), tostring(err)); end
	return true;
end

-- The result or error of an iq the engine asked the host to send.
local function is_engine_answer(stanza)
	local t, prefix = stanza.attr.type, state.info and state.info.id_prefix;
	return (t == "result" or t == "error") and prefix ~= nil and (stanza.attr.id or ""):sub(1, #prefix) == prefix;
end

-- ---- Admin shell -----------------------------------------------------------------------------

module:require "mod_nudge/shell"(state);

-- ---- The app server component -----------------------------------------------------

if is_component then
	-- Everything addressed to the component is the app server's: publishes
	-- from local and remote servers, registration commands, disco.
	module:hook("iq/host", to_engine, 10);
	module:hook("iq/bare", to_engine, 10);
	module:hook("iq/full", to_engine, 10);
	-- Push 2.0 notifications are messages to the push service.
	module:hook("message/host", to_engine, 10);
	return;
end

-- ---- Server side, on a VirtualHost --------------------------------------------------

-- enable/disable from the user's own session (to self), and the attempts on
-- another account (to bare), which the engine refuses.
for _, xmlns in ipairs({ xmlns_push, xmlns_push2 }) do
	for _, name in ipairs({ "enable", "disable" }) do
		module:hook("iq-set/self/" .. xmlns .. ":" .. name, to_engine);
		module:hook("iq-set/bare/" .. xmlns .. ":" .. name, to_engine);
	end
end

-- Answers of app servers to the engine's publishes, addressed to the user's
-- bare JID with the engine's ids.
module:hook("iq/bare", function (event)
	if is_engine_answer(event.stanza) then return to_engine(event); end
end, 10);

-- Push 2.0 notifications are messages: a push service's error for one
-- comes back to the user's bare JID with the engine's id.
module:hook("message/bare", function (event)
	if event.stanza.attr.type == "error" and is_engine_answer(event.stanza) then return to_engine(event); end
end, 10);

-- Registration commands on the register host, ahead of mod_adhoc (500).
local function is_push_command(node)
	return node and (node:sub(1, 14) == "register-push-" or node == "list-push-registrations" or node == "unregister-push");
end

module:hook("iq-set/host/" .. xmlns_commands .. ":command", function (event)
	if not is_register_host(module.host) then return; end
	local command = event.stanza.tags[1];
	if is_push_command(command and command.attr.node) then
		return to_engine(event);
	end
end, 1000); -- mod_adhoc's handler has priority 500

-- So that mod_adhoc lists the engine's commands, with the engine's names,
-- in disco (execution never reaches it).
if is_register_host(module.host) then
	local function unavailable() return { status = "error", error = { type = "cancel", condition = "service-unavailable" } }; end
	for _, command in ipairs(state.info.appserver.commands or {}) do
		module:provides("adhoc", { node = command.node, name = command.name, permission = "any", handler = unavailable });
	end
end

-- disco#info on the account: what the engine adds (the feature, and to the
-- user the push options in force).
module:hook("account-disco-info", function (event)
	local reply, origin = event.reply, event.origin;
	local account = jid.bare(reply.attr.from);
	local requester = origin and origin.username and (origin.full_jid or jid.join(origin.username, origin.host)) or nil;
	local text = call("account_disco", account, requester);
	local query = text and xml_parse(text);
	if not query then return; end
	-- All children: childtags() would keep only those of disco#info's namespace.
	for _, child in ipairs(query.tags) do reply:add_child(child); end
end);

-- A deleted account leaves nothing behind in the engine.
module:hook_global("user-deleted", function (event)
	if event.host ~= module.host then return; end
	local ok, err = call("user_removed", jid.join(event.username, event.host));
	if not ok then module:log("warn", "Cannot forget the push state of deleted account %s@%s: %s", event.username, event.host, tostring(err)); end
end);

-- ---- Sessions and held stanzas -------------------------------------------------------------

local engine_api = { call = call, state = state, nudge = nudge, measure_held = measure_held };
engine_api.hold = module:require "mod_nudge/roster"(engine_api);
module:require "mod_nudge/sessions"(engine_api);
module:require "mod_nudge/held"(engine_api);
module:require "mod_nudge/activity"(engine_api);
