-- mod_nudge on a VirtualHost: the messages users' sessions send, for Push
-- 2.0 grace periods (no push while another of the user's sessions was
-- active within that many seconds). Asked for only while an enablement of
-- the user has a grace period (nudge_wants_session_activity, answered from
-- memory), so that no other message is serialized; the engine decides which
-- messages show the user at the device.
--
-- mod_nudge.lua loads it with module:require "mod_nudge/activity" and calls
-- it with `engine` (call).

return function (engine)
	local call = engine.call;

	-- pre-message/* are fired for stanzas from the host's own c2s sessions,
	-- before routing, whatever the recipient.
	local function sent(event)
		local origin = event.origin;
		if origin.type ~= "c2s" or not origin.full_jid then return; end
		if not call("wants_session_activity", origin.full_jid) then return; end
		call("session_activity", origin.full_jid, tostring(event.stanza));
	end

	module:hook("pre-message/bare", sent, 1000);
	module:hook("pre-message/full", sent, 1000);
	module:hook("pre-message/host", sent, 1000);
end
