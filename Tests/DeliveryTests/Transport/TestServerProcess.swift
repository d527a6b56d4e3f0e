import Glibc
import Synchronization

/// Why the test server could not be used: thrown from a test, it fails the
/// test with this text.
struct TestSupportError: Error, CustomStringConvertible {
    let description: String
}

/// The repository checkout these tests were compiled from, with symlinks
/// resolved so that a package that links this folder in still finds it.
enum RepoRoot {
    static func path(file: String = #filePath) -> String {
        var resolved = file
        if let real = realpath(file, nil) {
            resolved = String(cString: real)
            free(real)
        }
        // <root>/Tests/DeliveryTests/Transport/<file>.swift
        var parts = resolved.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }

    /// The venv that scripts/test creates; the tests fail, not skip, without it.
    static func python() throws -> String {
        let python = path() + "/.venv/bin/python"
        guard access(python, X_OK) == 0 else {
            throw TestSupportError(description: "\(python) is missing: run scripts/test, which creates the venv "
                                   + "and installs tests/requirements.txt")
        }
        return python
    }
}

/// A child process started with posix_spawn, its stdout on a pipe and its
/// stdin on another: the Python helpers exit when that stdin closes, so
/// they go away even if the test process dies without killing them.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private let stdoutFD: Int32
    private let stdinFD: Int32

    init(_ argv: [String]) throws {
        (pid, stdoutFD, stdinFD) = try spawnLock.withLock { _ throws(TestSupportError) in
            var out: [Int32] = [0, 0]
            var input: [Int32] = [0, 0]
            guard pipe(&out) == 0, pipe(&input) == 0 else {
                throw TestSupportError(description: "pipe: \(String(cString: strerror(errno)))")
            }
            // Our ends close on exec, so that children of other tests do
            // not inherit them and keep the pipes open. Spawning under one
            // lock leaves no window between pipe() and fcntl() for another
            // test's spawn.
            _ = fcntl(out[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(input[1], F_SETFD, FD_CLOEXEC)
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, input[0], 0)
            posix_spawn_file_actions_adddup2(&actions, out[1], 1)
            // The child would inherit this thread's signal mask, and the
            // Swift runtime's worker threads block signals: SIGTERM would
            // never reach it. Start it with none blocked and default actions.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var noSignals = sigset_t()
            sigemptyset(&noSignals)
            posix_spawnattr_setsigmask(&attributes, &noSignals)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            let cArgs = argv.map { strdup($0) }
            defer { cArgs.forEach { free($0) } }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs + [nil], environ)
            close(out[1])
            close(input[0])
            guard rc == 0 else {
                close(out[0])
                close(input[1])
                throw TestSupportError(description: "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
            }
            return (pid, out[0], input[1])
        }
    }

    /// One line of the child's stdout, without its newline; nil at end of
    /// file or after `timeoutMs` without a complete line.
    func readLine(timeoutMs: Int32 = 20_000) -> String? {
        var line: [UInt8] = []
        while true {
            var pfd = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, timeoutMs) == 1 else { return nil }
            var byte: UInt8 = 0
            guard read(stdoutFD, &byte, 1) == 1 else { return nil }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    /// Waits for the child to exit by itself; its exit status.
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(stdoutFD)
        close(stdinFD)
        return status
    }

    /// Ends the child and reaps it.
    func terminate() {
        kill(pid, SIGTERM)
        _ = wait()
    }
}

/// Serialises spawning, see `ChildProcess.init`.
private let spawnLock = Mutex(())
