-- mod_nudge on a VirtualHost: sessions as the engine needs to know them
-- (bound, closed, hibernating and resumed under XEP-0198, unresponsive)
-- and users' nicknames in group chats.
--
-- mod_nudge.lua loads it with module:require "mod_nudge/sessions" and calls
-- it with `engine`: call (an engine call, then its events), state,
-- nudge (the Lua C module) and hold (mod_nudge/roster).

local st = require "util.stanza";
local jid = require "util.jid";
local watchdog = require "util.watchdog";

local xmlns_muc = "http://jabber.org/protocol/muc";

return function (engine)
	local call, state, nudge, hold = engine.call, engine.state, engine.nudge, engine.hold;

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
				hold(session.full_jid, stanza, nudge.HELD_QUEUED);
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
end
