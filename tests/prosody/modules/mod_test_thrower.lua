-- Test only (tests/prosody/test_prosody_handlers.py): another module whose
-- handler fails, once, on the first iq to its host whose XML matches
-- test_throw_on (a plain substring), as a buggy third-party module would.
local needle = module:get_option_string("test_throw_on", "");
local thrown = false;

module:hook("iq/host", function (event)
	if not thrown and tostring(event.stanza):find(needle, 1, true) then
		thrown = true;
		error("mod_test_thrower fails on purpose");
	end
end, 100); -- ahead of mod_nudge's component handler (10)
