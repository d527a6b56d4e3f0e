-- mod_nudge's configuration: Prosody options -> the engine's JSON document,
-- and the engine's errors -> the option that caused them.
--
-- Pure Lua: it touches neither Prosody nor the engine. mod_nudge.lua loads
-- it with module:require "mod_nudge/config" and hands it what it needs (a
-- view of Prosody's configuration, a JSON encoder); tests/test_config.lua
-- loads it with plain Lua and checks it against nudge.config_schema().

local config = {};

-- Native options, one to one onto the engine's keys: { option, section,
-- key }, and `list` for keys that take a list (an empty Lua table would
-- become a JSON object, so it is left unset). Each is the schema's
-- `option` of that key with "nudge_" in front; the test checks that every
-- key the schema offers as an option is here and nothing else.
config.native_options = {
	{ "nudge_store_path", "store", "path" },
	{ "nudge_include_senders", "server", "include_senders" },
	{ "nudge_include_message_count", "server", "include_message_count" },
	{ "nudge_include_subscription_count", "server", "include_subscription_count" },
	{ "nudge_include_message_bodies", "server", "include_message_bodies" },
	{ "nudge_notify_on", "server", "notify_on" },
	{ "nudge_max_enablements_per_user", "server", "max_enablements_per_user" },
	{ "nudge_coalesce_window", "server", "coalesce_window_s" },
	{ "nudge_pending_timeout", "server", "pending_timeout_s" },
	{ "nudge_wake_before_timeout", "server", "wake_before_timeout_s" },
	{ "nudge_wake_on_start", "server", "wake_on_start" },
	{ "nudge_restart_wake_rate", "server", "restart_wake_rate" },
	{ "nudge_publish_timeout", "server", "publish_timeout_s" },
	{ "nudge_publish_retries", "server", "publish_retries" },
	{ "nudge_pubsub_host", "appserver", "pubsub_host" },
	{ "nudge_register_host", "appserver", "register_host" },
	{ "nudge_allow_domains", "appserver", "allow_domains", list = true },
	{ "nudge_max_devices_per_user", "appserver", "max_devices_per_user" },
	{ "nudge_registrations_per_hour", "appserver", "registrations_per_hour" },
	{ "nudge_max_age", "appserver", "max_age_s" },
	{ "nudge_shutdown_grace", "appserver", "shutdown_grace_s" },
	{ "nudge_max_attempts", "appserver", "max_attempts" },
	{ "nudge_token_nodes", "appserver", "token_nodes" },
	{ "nudge_backends", "appserver", "backends", list = true },
	{ "nudge_log_level", "log", "level" },
};

-- Options renamed since the original mod_push: still taken, with a
-- warning (operators' configurations are a contract). old -> new.
config.old_options = {
	nudge_max_registrations_per_user = "nudge_max_enablements_per_user",
};

-- Engine key ("server.coalesce_window_s") -> option name, to name the
-- option an engine error is about.
local option_for_key = { ["server.domains"] = "modules_enabled (the VirtualHosts that load mod_nudge)" };
for _, o in ipairs(config.native_options) do option_for_key[o[2] .. "." .. o[3]] = o[1]; end

local function deep_equal(a, b)
	if a == b then return true; end
	if type(a) ~= "table" or type(b) ~= "table" then return false; end
	for k, v in pairs(a) do if not deep_equal(v, b[k]) then return false; end end
	for k in pairs(b) do if a[k] == nil then return false; end end
	return true;
end

-- JSON has one number type; 2.0 from a config file means 2 (Lua 5.3+
-- tells them apart, and would write 2.0).
local function integral(value, null)
	if type(value) == "number" then return math.tointeger and math.tointeger(value) or value; end
	if type(value) == "table" and value ~= null then
		local copy = {};
		for k, v in pairs(value) do copy[k] = integral(v, null); end
		return setmetatable(copy, getmetatable(value));
	end
	return value;
end

-- The hosts whose mod_nudge shares the engine: `configured`, a list of
-- { host, kind } ("local" or "component") read from Prosody's
-- configuration (so that the result does not depend on the order hosts
-- start in), and `loaded`, host -> kind for those that loaded the module
-- at run time. Sorted, so that the first VirtualHost (the default
-- register host) is predictable. Returns vhosts, components, all.
function config.hosts(configured, loaded)
	local seen, vhosts, components = {}, {}, {};
	local function add(host, kind)
		if seen[host] then return; end
		seen[host] = true;
		if kind == "component" then components[#components + 1] = host; else vhosts[#vhosts + 1] = host; end
	end
	for _, h in ipairs(configured) do add(h[1], h[2]); end
	for host, kind in pairs(loaded) do add(host, kind); end
	table.sort(vhosts);
	table.sort(components);
	local all = {};
	for _, h in ipairs(vhosts) do all[#all + 1] = h; end
	for _, h in ipairs(components) do all[#all + 1] = h; end
	return vhosts, components, all;
end

-- An option as every nudge host sees it (its own section, else the global
-- one). One engine serves them all, so they must agree.
local function shared_option(get, name, all_hosts)
	local value, where;
	for _, host in ipairs(all_hosts) do
		local v = get(host, name);
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

-- Each native option's value, its old name taken for the new one.
-- Returns values (option -> value), warnings, or nil and an error.
local function option_values(get, all_hosts)
	local values, warnings = {}, {};
	for _, o in ipairs(config.native_options) do
		local value, err = shared_option(get, o[1], all_hosts);
		if err then return nil, err; end
		values[o[1]] = value;
	end
	local old_names = {};
	for old in pairs(config.old_options) do old_names[#old_names + 1] = old; end
	table.sort(old_names);
	for _, old in ipairs(old_names) do
		local new = config.old_options[old];
		local value, err = shared_option(get, old, all_hosts);
		if err then return nil, err; end
		if value ~= nil then
			if values[new] ~= nil then
				return nil, ("%s: the old name of %s, which is set too; keep only %s"):format(old, new, new);
			end
			values[new] = value;
			warnings[#warnings + 1] = ("%s is deprecated: it is now %s, with the same meaning"):format(old, new);
		end
	end
	return values, warnings;
end

-- Builds the engine's configuration. `view` is what Prosody knows:
--   view.get(host, option)   an option as that host sees it
--   view.configured          { { host, kind }, ... } from the configuration
--   view.loaded              host -> kind, the hosts that loaded the module
--   view.paths               { config = dir, data = dir }
--   view.resolve(base, path) path relative to base, absolute
--   view.read(path)          a file's text, or nil and an error
--   view.json                { encode_ordered, decode, null } (util.json)
-- Returns text, nil, doc, source ("file" or "options"), warnings; or nil
-- and an error naming the option.
function config.build(view)
	local json = view.json;
	local vhosts, components, all = config.hosts(view.configured, view.loaded);
	local config_file, err = shared_option(view.get, "nudge_config_file", all);
	if err then return nil, err; end
	local values, warnings = option_values(view.get, all);
	if not values then return nil, warnings; end

	if config_file then
		for _, o in ipairs(config.native_options) do
			if values[o[1]] ~= nil then
				return nil, ("%s: not allowed together with nudge_config_file; set %s.%s in %s instead"):format(
					o[1], o[2], o[3], config_file);
			end
		end
		local path = view.resolve(view.paths.config or ".", config_file);
		local text, ferr = view.read(path);
		if not text then return nil, ("nudge_config_file: %s"):format(ferr); end
		local doc = json.decode(text);
		if type(doc) ~= "table" then
			-- Let the engine say what is wrong with it.
			return text, nil, {}, "file", warnings;
		end
		-- The whole configuration, except that server.domains defaults to
		-- the VirtualHosts that load the module.
		if doc.server == nil or (type(doc.server) == "table" and doc.server.domains == nil) then
			doc.server = doc.server or {};
			doc.server.domains = vhosts;
			text = json.encode_ordered(doc);
		end
		return text, nil, doc, "file", warnings;
	end

	local doc = { store = {}, server = {}, appserver = {}, log = {} };
	for _, o in ipairs(config.native_options) do
		local value = values[o[1]];
		if o[1] == "nudge_store_path" and type(value) == "string" then
			value = view.resolve(view.paths.data, value);
		end
		if o.list and type(value) == "table" and next(value) == nil then
			value = nil;
		end
		if value ~= nil then doc[o[2]][o[3]] = integral(value, json.null); end
	end
	doc.store.path = doc.store.path or view.resolve(view.paths.data, "nudge");
	doc.server.domains = vhosts;
	if doc.appserver.pubsub_host == nil and #components == 1 then
		-- The one nudge component is the app server clients enable with.
		doc.appserver.pubsub_host = components[1];
	end
	for section, t in pairs(doc) do
		if next(t) == nil then doc[section] = nil; end
	end
	return json.encode_ordered(doc), nil, doc, "options", warnings;
end

-- "appserver.backends[0].key_file: ..." -> the option that set it.
function config.explain(message, source)
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

return config;
