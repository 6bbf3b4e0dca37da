import CNCursesW
import Foundation
import Synchronization

/// Restores the terminal however the process ends: a normal exit (atexit), SIGINT/SIGTERM (which
/// also ask the loop to stop), and crashes (SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE: endwin,
/// then the default action, so the shell gets its terminal back and the crash is still reported).
enum TerminalGuard {
    nonisolated(unsafe) static var active = false
    static let stopRequested = Atomic<Bool>(false)
    nonisolated(unsafe) private static var installed = false

    static func install() {
        active = true
        guard !installed else { return }
        installed = true
        atexit { if TerminalGuard.active { endwin() } }
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
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }
}

extension Terminal {
    /// True once SIGINT, SIGTERM or SIGHUP arrived, or the terminal went away (its window closed without
    /// a SIGHUP reaching us): the loop should end and restore the terminal.
    public static var stopRequested: Bool {
        TerminalGuard.stopRequested.load(ordering: .relaxed) || tcgetpgrp(STDIN_FILENO) < 0
    }
}
