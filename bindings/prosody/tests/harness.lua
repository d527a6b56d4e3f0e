-- The runner both Lua test files share: tests registered in order, run in
-- order, each reported on a line of its own, and the exit status the
-- Makefile's `test` target reads. Loaded with dofile beside the tests.

local harness = { tests = {} }

function harness.test(name, fn) harness.tests[#harness.tests + 1] = { name = name, fn = fn } end

-- Runs every test; `cleanup`, if given, runs after the last one. Exits.
function harness.run(cleanup)
    local passed, failed = 0, 0
    for _, t in ipairs(harness.tests) do
        local ok, err = pcall(t.fn)
        if ok then
            passed = passed + 1
            print("ok     " .. t.name)
        else
            failed = failed + 1
            print("FAILED " .. t.name .. ": " .. tostring(err))
        end
    end
    if cleanup then cleanup() end
    print(passed .. " passed, " .. failed .. " failed")
    os.exit(failed == 0 and 0 or 1)
end

return harness
