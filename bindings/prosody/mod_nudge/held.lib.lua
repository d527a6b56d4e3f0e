-- mod_nudge on a VirtualHost: stanzas for users whose push-enabled
-- sessions cannot take them now, handed to the engine, which decides
-- whether they deserve a push.
--
-- mod_nudge.lua loads it with module:require "mod_nudge/held" and calls it
-- with `engine`: nudge and hold (mod_nudge/roster).

local st = require "util.stanza";
local jid = require "util.jid";

local xmlns_sid = "urn:xmpp:sid:0";

return function (engine)
	local nudge, hold = engine.nudge, engine.hold;
	local bare_sessions = prosody.bare_sessions;

	module:hook("smacks-hibernation-stanza-queued", function (event)
		local session = event.origin;
		if not session.full_jid then return; end
		hold(session.full_jid, event.stanza, nudge.HELD_QUEUED);
	end);

	-- Stored for offline delivery (before mod_offline, which ends the event).
	module:hook("message/offline/handle", function (event)
		local origin, username = event.origin, event.username;
		if not username then return; end
		-- mod_smacks hands the queue of an expired hibernating session over to
		-- offline storage: those stanzas were reported when they were queued.
		if origin and origin.username == username and origin.host == module.host and origin.hibernating then return; end
		hold(jid.join(username, module.host), event.stanza, nudge.HELD_OFFLINE);
	end, 1);

	-- A group-chat message to the bare JID of a user with no session (rooms
	-- that deliver to absent members do this). Prosody stores none and
	-- answers the room with an error, so for a mention the push is all the
	-- user will ever see; the engine pushes only for mentions.
	module:hook("message/bare/groupchat", function (event)
		local stanza = event.stanza;
		local to = jid.bare(stanza.attr.to or "");
		if jid.host(to) ~= module.host then return; end
		hold(to, stanza, nudge.HELD_OFFLINE);
	end, 1);

	-- Subscription requests to users with no session: stored in the roster.
	module:hook("presence/bare", function (event)
		local stanza = event.stanza;
		if stanza.attr.type ~= "subscribe" or not stanza.attr.to then return; end
		local to = jid.bare(stanza.attr.to);
		if bare_sessions[to] or jid.host(to) ~= module.host then return; end
		hold(to, stanza, nudge.HELD_OFFLINE);
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
		hold(bare, stanza, nudge.HELD_ARCHIVED);
	end);
end
