import Foundation
import TermRender

/// How images reach the screen: kitty's graphics protocol, DEC sixel, or glyphs only.
public enum GraphicsMode: String, CaseIterable, Sendable {
    case auto, kitty, sixel, off
}

/// What the terminal was found to support, and why: the explorer says it in `--graphics` errors and
/// `latent bench`-style diagnostics, and draws pixels only when this is kitty or sixel.
public struct GraphicsSupport: Equatable, Sendable {
    public enum Kind: String, Sendable { case kitty, sixel, none }
    public var kind: Kind
    /// A cell's size in pixels (what sixel images are fitted to); nil when the terminal did not say.
    public var cell: PixelSize?
    /// tmux 3.3's passthrough: every sequence wrapped in `ESC Ptmux; … ESC \`.
    public var tmuxPassthrough = false
    public var reason: String

    public init(kind: Kind, cell: PixelSize?, tmuxPassthrough: Bool = false, reason: String) {
        self.kind = kind
        self.cell = cell
        self.tmuxPassthrough = tmuxPassthrough
        self.reason = reason
    }

    public static func none(_ reason: String) -> GraphicsSupport { GraphicsSupport(kind: .none, cell: nil, reason: reason) }
}

/// Asks the terminal what it can draw: kitty's graphics query, the cell size (`CSI 16 t`) and DA1
/// (`CSI c`, whose attribute 4 is sixel). Every terminal answers DA1, and answers in order, so the
/// reply is complete once DA1's arrives; a terminal that stays silent costs `timeout`.
public enum GraphicsDetection {
    public static let queries: [UInt8] = KittyGraphics.query + Array("\u{1B}[16t\u{1B}[c".utf8)

    /// The decision for `mode`, from the environment and (for `auto`) the terminal's replies.
    public static func decide(mode: GraphicsMode, environment: [String: String], isTTY: Bool, reply: [UInt8]?,
                              windowCell: PixelSize?) -> GraphicsSupport {
        let inTmux = environment["TMUX"].map { !$0.isEmpty } ?? false
        let parsed = reply.map(parse) ?? Reply()
        let cell = windowCell ?? parsed.cell
        switch mode {
        case .off: return .none("--graphics off")
        case .kitty, .sixel:
            let kind: GraphicsSupport.Kind = mode == .kitty ? .kitty : .sixel
            // Forced: trusted, with a common cell size when the terminal gives none.
            return GraphicsSupport(kind: kind, cell: cell ?? PixelSize(width: 10, height: 20), tmuxPassthrough: inTmux,
                                   reason: "--graphics \(mode.rawValue)" + (cell == nil ? " (cell size unknown: 10×20 px assumed)" : ""))
        case .auto:
            if let reason = refusal(environment: environment, isTTY: isTTY) { return .none(reason) }
            guard reply != nil, parsed.sawDA1 else { return .none("the terminal did not answer the query") }
            if parsed.kitty { return GraphicsSupport(kind: .kitty, cell: cell, reason: "the terminal answered kitty's graphics query") }
            if parsed.sixel {
                guard let cell else { return .none("sixel, but the terminal did not give its cell size") }
                return GraphicsSupport(kind: .sixel, cell: cell, reason: "the terminal's DA1 lists sixel (4)")
            }
            return .none("the terminal shows neither kitty images nor sixel")
        }
    }

    /// Why `auto` draws glyphs without asking the terminal, if it does.
    static func refusal(environment: [String: String], isTTY: Bool) -> String? {
        guard isTTY else { return "not a terminal" }
        if environment["TMUX"].map({ !$0.isEmpty }) ?? false {
            return "inside tmux: pixels need `set -g allow-passthrough on` and --graphics kitty or sixel"
        }
        if let term = environment["TERM"], term == "linux" || term == "dumb" || term.hasPrefix("vt1") {
            return "TERM=\(term) shows no images"
        }
        return nil
    }

    struct Reply: Equatable {
        var kitty = false, sixel = false, sawDA1 = false
        var cell: PixelSize?
    }

    /// Reads the answers out of whatever arrived: `ESC _G i=31;OK ESC \`, `ESC [6;H;W t`, `ESC [?…c`.
    static func parse(_ bytes: [UInt8]) -> Reply {
        var reply = Reply()
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("\u{1B}_Gi=31;OK") { reply.kitty = true }
        var rest = Substring(text)
        while let start = rest.range(of: "\u{1B}[") {
            let body = rest[start.upperBound...]
            guard let end = body.firstIndex(where: { ("@"..."~").contains($0) }) else { break }
            let params = body[..<end], final = body[end]
            if final == "c", params.hasPrefix("?") {
                reply.sawDA1 = true
                reply.sixel = params.dropFirst().split(separator: ";").contains("4")
            } else if final == "t" {
                let p = params.split(separator: ";").compactMap { Int($0) }
                if p.count == 3, p[0] == 6, (4...256).contains(p[1]), (2...256).contains(p[2]) {
                    reply.cell = PixelSize(width: p[2], height: p[1])
                }
            }
            rest = body[body.index(after: end)...]
        }
        return reply
    }

    /// Sends the queries on the terminal and collects the reply until DA1's arrives or `timeout`
    /// seconds pass, with the terminal in raw mode for that moment only (before ncurses starts).
    static func query(fd: Int32, timeout: Double) -> [UInt8]? {
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        defer { tcsetattr(fd, TCSANOW, &saved) }
        let written = queries.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        guard written == queries.count else { return nil }
        var reply: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 1024)
        while reply.count < 16_384 {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&p, 1, left) > 0 else { break }
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { break }
            reply += buffer[0..<n]
            if parse(reply).sawDA1 { break }
        }
        return reply
    }

    /// The cell size from the kernel's idea of the window (xterm, kitty, foot and others fill it in).
    static func windowCell(fd: Int32) -> PixelSize? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0,
              size.ws_xpixel > 0, size.ws_ypixel > 0 else { return nil }
        let cell = PixelSize(width: Int(size.ws_xpixel) / Int(size.ws_col), height: Int(size.ws_ypixel) / Int(size.ws_row))
        return cell.width >= 2 && cell.height >= 4 ? cell : nil
    }

    /// Detects on the process's terminal (stdin/stdout), before ncurses takes it.
    public static func detect(mode: GraphicsMode, environment: [String: String] = ProcessInfo.processInfo.environment,
                              timeout: Double = 0.3) -> GraphicsSupport {
        let isTTY = isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
        // Nothing is sent where the answer is already no (a console would print the query).
        let probe = mode == .auto && refusal(environment: environment, isTTY: isTTY) == nil
        let reply = probe ? query(fd: STDIN_FILENO, timeout: timeout) : nil
        return decide(mode: mode, environment: environment, isTTY: isTTY, reply: reply,
                      windowCell: isTTY ? windowCell(fd: STDOUT_FILENO) : nil)
    }
}
