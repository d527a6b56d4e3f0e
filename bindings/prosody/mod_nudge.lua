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

local st = require "util.stanza";
local json = require "util.json";
local jid = require "util.jid";
local xml_parse = require "util.xml".parse;
local resolve_relative_path = require "util.paths".resolve_relative_path;
local watchdog = require "util.watchdog";
local net_server = require "net.server";
local configmanager = require "core.configmanager";
local logger = require "util.logger";
local modulemanager = require "core.modulemanager";

local hosts = prosody.hosts;
local bare_sessions = prosody.bare_sessions;

local xmlns_push = "urn:xmpp:push:0";
local xmlns_commands = "http://jabber.org/protocol/commands";
local xmlns_sid = "urn:xmpp:sid:0";
local xmlns_muc = "http://jabber.org/protocol/muc";

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

-- Native options, one to one onto the engine's configuration keys.
local native_options = {
	{ "nudge_store_path", "store", "path" },
	{ "nudge_include_senders", "server", "include_senders" },
	{ "nudge_include_message_count", "server", "include_message_count" },
	{ "nudge_include_subscription_count", "server", "include_subscription_count" },
	{ "nudge_include_message_bodies", "server", "include_message_bodies" },
	{ "nudge_notify_on", "server", "notify_on" },
	{ "nudge_max_registrations_per_user", "server", "max_registrations_per_user" },
	{ "nudge_coalesce_window", "server", "coalesce_window_s" },
	{ "nudge_pending_timeout", "server", "pending_timeout_s" },
	{ "nudge_wake_before_timeout", "server", "wake_before_timeout_s" },
	{ "nudge_wake_on_start", "server", "wake_on_start" },
	{ "nudge_pubsub_host", "appserver", "pubsub_host" },
	{ "nudge_register_host", "appserver", "register_host" },
	{ "nudge_backends", "appserver", "backends" },
	{ "nudge_log_level", "log", "level" },
};

-- Engine key ("server.coalesce_window_s") -> option name, to name the
-- option an engine error is about.
local option_for_key = { ["server.domains"] = "modules_enabled (the VirtualHosts that load mod_nudge)" };
for _, o in ipairs(native_options) do option_for_key[o[2] .. "." .. o[3]] = o[1]; end

local function deep_equal(a, b)
	if a == b then return true; end
	if type(a) ~= "table" or type(b) ~= "table" then return false; end
	for k, v in pairs(a) do if not deep_equal(v, b[k]) then return false; end end
	for k in pairs(b) do if a[k] == nil then return false; end end
	return true;
end

-- JSON has one number type; 2.0 from a config file means 2.
local function integral(value)
	if type(value) == "number" then return math.tointeger(value) or value; end
	if type(value) == "table" and value ~= json.null then
		local copy = {};
		for k, v in pairs(value) do copy[k] = integral(v); end
		return setmetatable(copy, getmetatable(value));
	end
	return value;
end

-- The hosts whose mod_nudge shares the engine: from the configuration (so
-- that the result does not depend on the order hosts start in), and those
-- that loaded the module at run time. Sorted, so that the first VirtualHost
-- (the default register host) is predictable.
local function nudge_hosts()
	local seen, vhosts, components = {}, {}, {};
	local function add(host, kind)
		if seen[host] then return; end
		seen[host] = true;
		if kind == "component" then components[#components + 1] = host; else vhosts[#vhosts + 1] = host; end
	end
	for host in pairs(configmanager.getconfig()) do
		if host ~= "*" and configmanager.get(host, "enabled") ~= false then
			local ok, modules, component = pcall(modulemanager.get_modules_for_host, host);
			if ok and modules then
				if component == "nudge" then
					add(host, "component");
				elseif not component and modules:contains("nudge") then
					add(host, "local");
				end
			end
		end
	end
	for host, kind in pairs(state.hosts) do add(host, kind); end
	table.sort(vhosts);
	table.sort(components);
	local all = {};
	for _, h in ipairs(vhosts) do all[#all + 1] = h; end
	for _, h in ipairs(components) do all[#all + 1] = h; end
	return vhosts, components, all;
end

-- An option as every nudge host sees it (its own section, else the global
-- one). One engine serves them all, so they must agree.
local function shared_option(name, all_hosts)
	local value, where;
	for _, host in ipairs(all_hosts) do
		local v = configmanager.get(host, name);
		if v ~= nil then
			if value == nil then
				value, where = v, host;
			elseif not deep_equal(v, value) then
				return nil, ("%s differs between %s and %s; one engine serves the whole server, so set it once "
					.. "(in the global section, or identically)"):format(name, where, host);
			end
		end
	end
	return value;
end

-- Builds the engine's configuration: its JSON text and the table.
local function build_config()
	local vhosts, components, all = nudge_hosts();
	local config_file, err = shared_option("nudge_config_file", all);
	if err then return nil, err; end

	if config_file then
		for _, o in ipairs(native_options) do
			if shared_option(o[1], all) ~= nil then
				return nil, ("%s: not allowed together with nudge_config_file; set %s.%s in %s instead"):format(
					o[1], o[2], o[3], config_file);
			end
		end
		local path = resolve_relative_path(prosody.paths.config or ".", config_file);
		local f, ferr = io.open(path);
		if not f then return nil, ("nudge_config_file: %s"):format(ferr); end
		local text = f:read("*a");
		f:close();
		local doc = json.decode(text);
		if type(doc) ~= "table" then
			-- Let the engine say what is wrong with it.
			return text, nil, {}, "file";
		end
		-- The whole configuration, except that server.domains defaults to
		-- the VirtualHosts that load the module.
		if doc.server == nil or (type(doc.server) == "table" and doc.server.domains == nil) then
			doc.server = doc.server or {};
			doc.server.domains = vhosts;
			text = json.encode_ordered(doc);
		end
		return text, nil, doc, "file";
	end

	local doc = { store = {}, server = {}, appserver = {}, log = {} };
	for _, o in ipairs(native_options) do
		local value, oerr = shared_option(o[1], all);
		if oerr then return nil, oerr; end
		if value ~= nil then
			if o[1] == "nudge_store_path" and type(value) == "string" then
				value = resolve_relative_path(prosody.paths.data, value);
			end
			if o[1] == "nudge_backends" and type(value) == "table" and next(value) == nil then
				value = nil; -- an empty Lua table would be a JSON object
			end
			doc[o[2]][o[3]] = integral(value);
		end
	end
	doc.store.path = doc.store.path or resolve_relative_path(prosody.paths.data, "nudge");
	doc.server.domains = vhosts;
	if doc.appserver.pubsub_host == nil and #components == 1 then
		-- The one nudge component is the app server clients enable with.
		doc.appserver.pubsub_host = components[1];
	end
	for section, t in pairs(doc) do
		if next(t) == nil then doc[section] = nil; end
	end
	return json.encode_ordered(doc), nil, doc, "options";
end

-- "appserver.backends[0].key_file: ..." -> the option that set it.
local function explain(message, source)
	if source == "file" then
		return ("nudge_config_file: %s"):format(message);
	end
	local key = tostring(message):match("^([%w_%.%[%]]+):");
	if key then
		key = key:gsub("%[%d+%]", "");
		while key and key ~= "" do
			if option_for_key[key] then return ("%s: %s"):format(option_for_key[key], message); end
			key = key:match("^(.*)%.[^.]*$");
		end
	end
	return message;
end

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

-- The engine's counters, read when Prosody collects statistics (every
-- statistics_interval, or when asked: stats:show() in the shell,
-- mod_http_openmetrics). The engine serves the whole process, so the
-- metrics carry no host label: they are declared in the global context.
local global = module:context("*");
local gauges = {
	users_enabled = global:metric("gauge", "users_enabled", "", "Users with push enabled"),
	enablements = global:metric("gauge", "enablements", "", "Push enablements (one per device and account)"),
	sessions_pending = global:metric("gauge", "sessions_pending", "", "Push-enabled sessions pending (hibernating)"),
	publishes_in_flight = global:metric("gauge", "publishes_in_flight", "", "Publishes awaiting the app server's answer"),
	events_waiting = global:metric("gauge", "events_waiting", "", "Engine events not yet drained by Prosody"),
	writer_queue = global:metric("gauge", "writer_queue", "", "Changes waiting for the engine's next disk commit"),
	registrations = global:metric("gauge", "registrations", "", "Devices registered at the built-in app server"),
	outbox = global:metric("gauge", "outbox", "", "Deliveries to vendors not yet done (waiting or in flight)"),
};
local store_bytes = global:metric("gauge", "store", "bytes", "The engine's LMDB store", { "kind" });
local deliveries = global:metric("counter", "deliveries", "", "Pushes delivered to a vendor");
-- Totals by the engine's own labels (push reason, error kind, held-stanza outcome).
local labelled = {
	pushes = global:metric("counter", "pushes", "", "Pushes published, by reason", { "reason" }),
	errors = global:metric("counter", "errors", "", "Errors, by kind", { "kind" }),
	held = global:metric("counter", "held_stanzas_judged", "", "Stanzas held for pending users, by outcome", { "outcome" }),
	retries = global:metric("counter", "retries", "", "Deliveries and publishes to be tried again, by kind", { "kind" }),
};
local vendor_answers = global:metric("counter", "vendor_answers", "",
	"Vendor answers (and transport failures), by vendor, verdict and HTTP status", { "vendor", "verdict", "status" });

-- The engine's latency histogram has fixed bounds (nudge.h); Prosody's
-- wants them at declaration, in seconds.
local LATENCY_BOUNDS_MS = { 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000 };
local latency_buckets = {};
for i, ms in ipairs(LATENCY_BOUNDS_MS) do latency_buckets[i] = ms / 1000; end
local latency = global:metric("histogram", "stanza_to_vendor_latency", "seconds",
	"From the stanza behind a push reaching the engine to the vendor's acceptance", {}, { buckets = latency_buckets }):with_labels();
local latency_seen = { buckets = {}, count = 0, sum_ms = 0 };

-- Prosody's histograms take one observation at a time; the engine hands
-- totals. The observations that are new since the last collection are
-- replayed into their buckets, each at a value inside its bucket chosen so
-- that the sum matches the engine's too (exact unless some fell beyond the
-- last bound).
local function feed_latency(h)
	if type(h) ~= "table" or type(h.buckets) ~= "table" or tonumber(h.count) == nil then return; end
	local n_bounds = #LATENCY_BOUNDS_MS;
	local function cumulative(doc, i)
		if i == 0 then return 0; end
		return tonumber(i <= n_bounds and doc.buckets[i] or doc.count) or 0;
	end
	local function range(i)   -- whole milliseconds that land in bucket i
		local lo = i == 1 and 0 or LATENCY_BOUNDS_MS[i - 1] + 1;
		return lo, LATENCY_BOUNDS_MS[i] or lo;
	end
	local new, low, high = {}, 0, 0;
	for i = 1, n_bounds + 1 do
		new[i] = (cumulative(h, i) - cumulative(h, i - 1)) - (cumulative(latency_seen, i) - cumulative(latency_seen, i - 1));
		if new[i] < 0 then   -- the engine was opened again: its totals restarted
			latency_seen = { buckets = {}, count = 0, sum_ms = 0 };
			return feed_latency(h);
		end
		local lo, hi = range(i);
		low, high = low + new[i] * lo, high + new[i] * hi;
	end
	local sum = (tonumber(h.sum_ms) or 0) - latency_seen.sum_ms;
	local t = high > low and math.max(0, math.min(1, (sum - low) / (high - low))) or 0;
	for i, n in ipairs(new) do
		local lo, hi = range(i);
		for _ = 1, n do latency:sample((lo + t * (hi - lo)) / 1000); end
	end
	latency_seen = { buckets = h.buckets, count = tonumber(h.count), sum_ms = tonumber(h.sum_ms) or 0 };
end

local function update_metrics()
	local engine = state.engine;
	if not engine then return; end
	local doc = json.decode(engine:stats() or "");
	if type(doc) ~= "table" then return; end
	for name, gauge in pairs(gauges) do
		gauge:with_labels():set(tonumber(doc[name]) or 0);
	end
	local store = type(doc.store) == "table" and doc.store or {};
	store_bytes:with_labels("used"):set(tonumber(store.used_bytes) or 0);
	store_bytes:with_labels("map"):set(tonumber(store.map_bytes) or 0);
	deliveries:with_labels():set(tonumber(doc.deliveries) or 0);
	for name, family in pairs(labelled) do
		for label, total in pairs(type(doc[name]) == "table" and doc[name] or {}) do
			family:with_labels(label):set(tonumber(total) or 0);
		end
	end
	for vendor, verdicts in pairs(type(doc.vendor_answers) == "table" and doc.vendor_answers or {}) do
		for verdict, statuses in pairs(type(verdicts) == "table" and verdicts or {}) do
			for status, total in pairs(type(statuses) == "table" and statuses or {}) do
				vendor_answers:with_labels(vendor, verdict, status):set(tonumber(total) or 0);
			end
		end
	end
	feed_latency(doc.stanza_to_vendor_latency);
end

-- Every host's instance hooks the event; one of them (the latest loaded,
-- or, once that one is unloaded, the first to see the event) reads the
-- engine, so it is read once per collection.
state.update_metrics = update_metrics;
module:hook_global("stats-update", function ()
	state.update_metrics = state.update_metrics or update_metrics;
	if state.update_metrics == update_metrics then update_metrics(); end
end);

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

-- prosodyctl shell "nudge:list('juliet@example.net')", and so on. In 0.12
-- the shell's commands live in mod_admin_shell's shared environment.
local function admin(shell, request)
	local engine = state.engine;
	if not engine then return false, "the push engine is not running"; end
	local reply, code_or_err = engine:admin(json.encode(request));
	if not reply then return false, tostring(code_or_err); end
	state.drain();
	local print = shell and shell.session and shell.session.print or print;
	print(reply);
	local doc = json.decode(reply);
	if code_or_err ~= 0 or type(doc) ~= "table" or not doc.ok then
		return false, type(doc) == "table" and tostring(doc.error) or reply;
	end
	return true, request.command .. " done";
end

local console_env = module:shared("/*/admin_shell/env");
console_env.nudge = {};
function console_env.nudge:list(user)
	return admin(self, { command = "list", user = user });
end
function console_env.nudge:remove(user, service, node)
	return admin(self, { command = "remove", user = user, jid = service, node = node });
end
function console_env.nudge:test_push(user)
	return admin(self, { command = "test-push", user = user });
end
function console_env.nudge:stats()
	return admin(self, { command = "stats" });
end
-- verify and backup read the whole store on Prosody's thread, like any
-- shell command that waits; the engine's writer goes on meanwhile.
function console_env.nudge:verify()
	return admin(self, { command = "verify" });
end
function console_env.nudge:backup(path)
	return admin(self, { command = "backup", path = path });
end

-- Prosody 0.13's shell command registry (ignored by 0.12).
for _, c in ipairs({
	{ "list", "List a user's push enablements, options and devices", { "user" } },
	{ "remove", "Remove one push enablement of a user", { "user", "jid", "node" } },
	{ "test_push", "Send a test push to every enablement of a user", { "user" } },
	{ "stats", "Show the push engine's counters", {} },
	{ "verify", "Check every page and record of the push store", {} },
	{ "backup", "Write a compacted copy of the push store into a new or empty directory", { "path" } },
}) do
	local args = {};
	for i, name in ipairs(c[3]) do args[i] = { name = name, type = "string" }; end
	module:add_item("shell-command", {
		section = "nudge", section_desc = "Push notifications (mod_nudge)",
		name = c[1], desc = c[2], args = args,
		handler = console_env.nudge[c[1]],
	});
end

-- ---- The app server component -----------------------------------------------------

if is_component then
	-- Everything addressed to the component is the app server's: publishes
	-- from local and remote servers, registration commands, disco.
	module:hook("iq/host", to_engine, 10);
	module:hook("iq/bare", to_engine, 10);
	module:hook("iq/full", to_engine, 10);
	return;
end

-- ---- Server side, on a VirtualHost --------------------------------------------------

-- enable/disable from the user's own session (to self), and the attempts on
-- another account (to bare), which the engine refuses.
for _, name in ipairs({ "enable", "disable" }) do
	module:hook("iq-set/self/" .. xmlns_push .. ":" .. name, to_engine);
	module:hook("iq-set/bare/" .. xmlns_push .. ":" .. name, to_engine);
end

-- Answers of app servers to the engine's publishes, addressed to the user's
-- bare JID with the engine's ids.
module:hook("iq/bare", function (event)
	if is_engine_answer(event.stanza) then return to_engine(event); end
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

-- ---- Sessions ---------------------------------------------------------------------------

module:hook("resource-bind", function (event)
	local session = event.session;
	if session.full_jid then call("session_online", session.full_jid); end
end);

module:hook("resource-unbind", function (event)
	local session = event.session;
	if not session.full_jid then return; end
	-- At shutdown mod_smacks closes hibernating sessions itself; the engine
	-- keeps them as pending so that the next start sends their restart wake.
	if state.stopping and session.hibernating then return; end
	call("session_closed", session.full_jid);
end);

-- XEP-0198 hibernation (mod_smacks 0.12). The engine says how long to keep a
-- push-enabled session; mod_smacks' watchdog (smacks_hibernation_time) is
-- replaced by one of that length. Resumption cancels it, and the next
-- hibernation starts again from mod_smacks' own.
-- The stanzas of a mod_smacks queue (its COMPAT queue:table(), oldest
-- first) the client has not acknowledged, as held ones.
local function report_unacked(session, queue)
	for _, stanza in ipairs(queue or {}) do
		if st.is_stanza(stanza) and (stanza.name == "message"
				or (stanza.name == "presence" and stanza.attr.type == "subscribe")) then
			measure_held();
			call("stanza_held", session.full_jid, tostring(stanza), nudge.HELD_QUEUED);
		end
	end
end

module:hook("smacks-hibernation-start", function (event)
	local session = event.origin;
	if not session.full_jid then return; end
	local ok, timeout = call("session_pending", session.full_jid);
	if not ok then
		module:log("warn", "session_pending(%s) failed: %s", session.full_jid, tostring(timeout));
		return;
	end
	session.nudge_unresponsive = nil;
	if not (timeout and timeout > 0) then return; end -- no push for this session
	local old = session.hibernating_watchdog;
	if old then
		old:cancel();
		session.hibernating_watchdog = watchdog.new(timeout, old.callback);
	end
	module:log("info", "Push-enabled session %s is pending; kept %d s", session.full_jid, timeout);
	-- What the client did not acknowledge before its connection was found
	-- dead may never have reached the phone: the engine judges it now
	-- (and counts a stanza it was already told of once).
	report_unacked(session, event.queue);
end);

module:hook("smacks-hibernation-end", function (event)
	local session = event.resumed or event.origin;
	if session.full_jid then call("session_resumed", session.full_jid); end
end);

-- A connected session that has not acknowledged stanzas for
-- smacks_max_ack_delay is usually a phone asleep on a connection the server
-- has not yet found dead, which TCP can take many minutes to do: the
-- session is pending for the engine from now, and the unacknowledged
-- stanzas are judged as held ones. The next acknowledgement from the client
-- ends that, as a resumption does.
module:hook("smacks-ack-delayed", function (event)
	local session = event.origin;
	if not session.full_jid then return; end
	if not session.nudge_unresponsive then
		local ok, timeout = call("session_pending", session.full_jid);
		if not (ok and timeout and timeout > 0) then return; end -- no push for this session
		session.nudge_unresponsive = true;
		module:log("info", "Push-enabled session %s stopped acknowledging stanzas; pending", session.full_jid);
	end
	report_unacked(session, event.queue);
end);

local function acknowledged(session)
	if session.nudge_unresponsive then
		session.nudge_unresponsive = nil;
		if session.full_jid then call("session_resumed", session.full_jid); end
	end
end
-- Ahead of mod_smacks' own handler (priority 0), which ends the event.
module:hook_tag("urn:xmpp:sm:3", "a", acknowledged, 10);
module:hook_tag("urn:xmpp:sm:2", "a", acknowledged, 10);

-- Group chat nicknames, so that the engine can tell a mention (the stanza
-- alone does not carry the recipient's nickname): a session joining a room
-- (presence with <x xmlns='http://jabber.org/protocol/muc'/>), changing its
-- nick there, or leaving it.
module:hook("pre-presence/full", function (event)
	local origin, stanza = event.origin, event.stanza;
	if origin.type ~= "c2s" or not origin.username then return; end
	local node, host, nick = jid.split(stanza.attr.to);
	if not (node and nick) then return; end
	local room = jid.join(node, host);
	local rooms = origin.nudge_rooms;
	local user = jid.join(origin.username, origin.host);
	if stanza.attr.type == nil and (stanza:get_child("x", xmlns_muc) or (rooms and rooms[room])) then
		rooms = rooms or {};
		origin.nudge_rooms = rooms;
		if rooms[room] ~= nick then
			rooms[room] = nick;
			call("set_room_nick", user, room, nick);
		end
	elseif stanza.attr.type == "unavailable" and rooms and rooms[room] then
		rooms[room] = nil;
		call("set_room_nick", user, room, nil);
	end
end, 10);

-- ---- Held stanzas -------------------------------------------------------------------------

module:hook("smacks-hibernation-stanza-queued", function (event)
	local session = event.origin;
	if not session.full_jid then return; end
	measure_held();
	call("stanza_held", session.full_jid, tostring(event.stanza), nudge.HELD_QUEUED);
end);

-- Stored for offline delivery (before mod_offline, which ends the event).
module:hook("message/offline/handle", function (event)
	local origin, username = event.origin, event.username;
	if not username then return; end
	-- mod_smacks hands the queue of an expired hibernating session over to
	-- offline storage: those stanzas were reported when they were queued.
	if origin and origin.username == username and origin.host == module.host and origin.hibernating then return; end
	measure_held();
	call("stanza_held", jid.join(username, module.host), tostring(event.stanza), nudge.HELD_OFFLINE);
end, 1);

-- A group-chat message to the bare JID of a user with no session (rooms
-- that deliver to absent members do this). Prosody stores none and
-- answers the room with an error, so for a mention the push is all the
-- user will ever see; the engine pushes only for mentions.
module:hook("message/bare/groupchat", function (event)
	local stanza = event.stanza;
	local to = jid.bare(stanza.attr.to or "");
	if jid.host(to) ~= module.host then return; end
	measure_held();
	call("stanza_held", to, tostring(stanza), nudge.HELD_OFFLINE);
end, 1);

-- Subscription requests to users with no session: stored in the roster.
module:hook("presence/bare", function (event)
	local stanza = event.stanza;
	if stanza.attr.type ~= "subscribe" or not stanza.attr.to then return; end
	local to = jid.bare(stanza.attr.to);
	if bare_sessions[to] or jid.host(to) ~= module.host then return; end
	measure_held();
	call("stanza_held", to, tostring(stanza), nudge.HELD_OFFLINE);
end, 10);

-- Archived (mod_mam) while the user has no session to take it. mod_offline
-- usually reports the same message; the engine pushes it once. The offline
-- copy carries the archive's stanza-id, so an archived copy without an id
-- of its own gets it too, for the engine to recognise them as one.
module:hook("archive-message-added", function (event)
	local username, stanza = event.for_user, event.stanza;
	if not username or not stanza or stanza.name ~= "message" then return; end
	local bare = jid.join(username, module.host);
	if bare_sessions[bare] then return; end
	if not stanza.attr.id and event.id then
		stanza = st.clone(stanza):tag("stanza-id", { xmlns = xmlns_sid, by = bare, id = event.id }):up();
	end
	measure_held();
	call("stanza_held", bare, tostring(stanza), nudge.HELD_ARCHIVED);
end);
