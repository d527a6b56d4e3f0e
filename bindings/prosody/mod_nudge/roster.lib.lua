-- mod_nudge on a VirtualHost: a held stanza handed to the engine, with the
-- sender's place in the user's roster when an enablement of the user ignores
-- senders not in it (Tigase's tigase:push:filter:ignore-unknown:0).
--
-- mod_nudge.lua loads it with module:require "mod_nudge/roster" and calls it
-- with `engine` (call, nudge, measure_held); the result is
-- hold(user_jid, stanza, where), which mod_nudge/held and mod_nudge/sessions use.

local jid = require "util.jid";
local rostermanager = require "core.rostermanager";

return function (engine)
	local call, nudge, measure_held = engine.call, engine.nudge, engine.measure_held;

	-- As Tigase's IgnoreFromUnknownFilter: a stranger is not in the roster, or
	-- is there with no subscription and only their own request pending.
	-- load_roster reads storage for a user without a session (Prosody keeps
	-- a cache of them); the engine asks only for users whose client wants it.
	local function sender_flag(user_jid, stanza)
		local from = stanza.attr.from and jid.bare(stanza.attr.from);
		-- Group chats are exempt: no need to look.
		if not from or stanza.attr.type == "groupchat" then return 0; end
		local wanted = call("wants_sender_roster", user_jid);
		if not wanted then return 0; end
		local username, host = jid.split(jid.bare(user_jid));
		local roster = rostermanager.load_roster(username, host);
		if not roster then return 0; end
		local item = roster[from];
		local pending = roster[false] and roster[false].pending or {};
		if not item or (item.subscription == "none" and not item.ask and pending[from]) then
			return nudge.HELD_FROM_STRANGER;
		end
		return nudge.HELD_FROM_CONTACT;
	end

	return function (user_jid, stanza, where)
		measure_held();
		return call("stanza_held", user_jid, tostring(stanza), where + sender_flag(user_jid, stanza));
	end
end
