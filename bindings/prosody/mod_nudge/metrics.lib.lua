-- mod_nudge's metrics: the engine's counters (nudge_stats_json) as
-- Prosody's own, under one scheme with the other hosts (README "Metrics").
--
-- mod_nudge.lua loads it with module:require "mod_nudge/metrics" and calls
-- it with the process-wide state; it runs in the module's environment
-- (`module` is the loading host's).

local json = require "util.json";

-- Returns the function that reads the engine into the metrics; the
-- instance whose function state.update_metrics holds does the reading.
return function (state)
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

	return update_metrics;
end
