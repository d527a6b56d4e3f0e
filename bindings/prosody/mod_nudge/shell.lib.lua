-- mod_nudge's commands in Prosody's admin shell: nudge:list(), remove(),
-- test_push(), stats(), verify() and backup(), each one nudge_admin request.
--
-- mod_nudge.lua loads it with module:require "mod_nudge/shell" and calls it
-- with the process-wide state (state.engine, state.drain).

local json = require "util.json";

return function (state)
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
end
