import CNCursesW
import Foundation
import Synchronization

/// Restores the terminal however the process ends: a normal exit (atexit), SIGINT/SIGTERM (which
/// also ask the loop to stop), and crashes (SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE: endwin,
/// then the default action, so the shell gets its terminal back and the crash is still reported).
///
/// While the screen is in curses mode, standard error goes to an unlinked temporary file: a message
/// written there (Swift's "Fatal error: …" above all) would otherwise be drawn over by the next frame
/// and wiped with the alternate screen. It is replayed on the real standard error once the terminal
/// is restored, and after a crash it is followed by one line saying what happened.
enum TerminalGuard {
    nonisolated(unsafe) static var active = false
    static let stopRequested = Atomic<Bool>(false)
    nonisolated(unsafe) private static var installed = false
    /// The real standard error while it is diverted, and the file that holds what was written meanwhile.
    nonisolated(unsafe) private static var savedStandardError: Int32 = -1
    nonisolated(unsafe) private static var capture: Int32 = -1

    static func install(captureStandardError: Bool) {
        active = true
        if captureStandardError { divertStandardError() }
        guard !installed else { return }
        installed = true
        atexit { if TerminalGuard.active { endwin() }; TerminalGuard.replayStandardError() }
        // A parent may hand us a blocked signal mask (seen with processes started through Foundation's
        // Process): then Ctrl-C, SIGTERM and resizes would never arrive. Unblock the ones we rely on.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT, SIGWINCH] { sigaddset(&wanted, sig) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { _ in TerminalGuard.stopRequested.store(true, ordering: .relaxed) }
        }
        for sig in [SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE] {
            signal(sig) { s in
                if TerminalGuard.active { endwin() }
                TerminalGuard.replayStandardError()
                TerminalGuard.reportCrash(s)
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    /// Called when curses mode ends: standard error is the terminal's again, with what it missed.
    static func restored() {
        active = false
        replayStandardError()
    }

    private static func divertStandardError() {
        guard savedStandardError < 0, let file = tmpfile() else { return }
        fflush(nil)
        let fd = dup(fileno(file))  // the FILE itself stays open (and its file unlinked) for the process's life
        let saved = dup(STDERR_FILENO)
        guard fd >= 0, saved >= 0, dup2(fd, STDERR_FILENO) >= 0 else {
            if fd >= 0 { close(fd) }
            if saved >= 0 { close(saved) }
            return
        }
        capture = fd
        savedStandardError = saved
    }

    /// Puts the real standard error back and copies to it what was captured. Only async-signal-safe
    /// calls (dup2, pread, write, close): it also runs in the crash handler.
    private static func replayStandardError() {
        guard savedStandardError >= 0 else { return }
        dup2(savedStandardError, STDERR_FILENO)
        close(savedStandardError)
        savedStandardError = -1
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                      UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var offset: off_t = 0
        withUnsafeMutableBytes(of: &buffer) { raw in
            while true {
                let got = pread(capture, raw.baseAddress!, raw.count, offset)
                if got <= 0 { break }
                _ = write(STDERR_FILENO, raw.baseAddress!, got)
                offset += off_t(got)
            }
        }
        close(capture)
        capture = -1
    }

    /// One line after a crash, so that the user is never left with a restored screen and no word of
    /// what happened (async-signal-safe: a fixed text and one digit pair).
    private static func reportCrash(_ signal: Int32) {
        var text = Array("latent: internal error (signal 00); the terminal was restored. Please report it with the command you ran.\n".utf8)
        if let at = text.firstIndex(of: UInt8(ascii: "0")) {
            text[at] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: (signal / 10) % 10)
            text[at + 1] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: signal % 10)
        }
        _ = text.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress!, $0.count) }
    }
}

extension Terminal {
    /// True once SIGINT, SIGTERM or SIGHUP arrived, or the terminal went away (its window closed without
    /// a SIGHUP reaching us): the loop should end and restore the terminal.
    public static var stopRequested: Bool {
        TerminalGuard.stopRequested.load(ordering: .relaxed) || tcgetpgrp(STDIN_FILENO) < 0
    }
}
