import CNCursesW
import ExplorerApp

/// What ncurses hands over for one read: a key it recognised (`KEY_*`), or a character.
enum InputUnit: Equatable {
    case code(Int32)
    case char(UInt32)
}

/// Turns what ncurses reads into messages, and never mistakes an escape sequence for keys.
///
/// ncurses knows only the sequences its terminfo entry lists: under `TERM=xterm-256color` inside tmux,
/// Home and End arrive as `ESC [1~` / `ESC [4~`, which that entry lacks, and ncurses passes them on
/// byte by byte: an Escape, then `[`, `1`, `~` as if typed. So an ESC that more bytes follow within
/// `sequenceWait` is read here as one sequence (CSI `ESC [ … final`, SS3 `ESC O x`, or Alt+key): the
/// common xterm/VT ones become keys or mouse events, everything else one `.unknown` key. Only an ESC
/// that nothing follows is the Escape key.
enum InputDecoder {
    /// How long to wait for the rest of a sequence after its ESC (ms). Bytes of one sequence come in
    /// one write, but over SSH the tail can lag the ESC that ncurses already gave up on (25 ms).
    static let sequenceWait: Int32 = 40
    /// Far longer than any real sequence: a runaway one ends here as one unknown key.
    static let maxSequence = 256

    /// The message for `first` and whatever of its sequence `next(wait)` still yields (nil: nothing
    /// arrived within `wait` ms). Nil when the input means nothing to the app.
    static func decode(_ first: InputUnit, next: (Int32) -> InputUnit?) -> Message? {
        switch first {
        case .code(let code): return key(forCode: code).map { .key($0) }
        case .char(27): return escape(next: next)
        case .char(let c): return character(c)
        }
    }

    static func character(_ c: UInt32) -> Message? {
        switch c {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 127, 8: return .key(.backspace)
        case 0: return nil
        case 1...26: return .key(.ctrl(Character(Unicode.Scalar(UInt8(c) + 96))))
        case 28...31: return .key(.unknown("Ctrl+\(Character(Unicode.Scalar(UInt8(c) + 64)))"))
        default:
            guard let scalar = Unicode.Scalar(c), !(0x80..<0xA0).contains(c) else { return nil }
            return .key(.char(Character(scalar)))
        }
    }

    /// Keys ncurses recognised from terminfo.
    static func key(forCode code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_SLEFT: return .shiftLeft
        case KEY_SRIGHT: return .shiftRight
        case KEY_SR: return .shiftUp
        case KEY_SF: return .shiftDown
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_BTAB: return .backTab
        case KEY_DC: return .unknown("Delete")
        case KEY_IC: return .unknown("Insert")
        case KEY_F0...(KEY_F0 + 63): return .unknown("F\(code - KEY_F0)")
        default: return .unknown("key \(code)")
        }
    }

    // MARK: Escape sequences

    static func escape(next: (Int32) -> InputUnit?) -> Message? {
        guard let second = next(sequenceWait) else { return .key(.escape) }
        switch second {
        case .char(0x5B): return csi(next: next)  // ESC [
        case .char(0x4F):                          // ESC O x (SS3: keypad and F1–F4 in application mode)
            guard case .char(let final)? = next(sequenceWait) else { return .key(.unknown("ESC O")) }
            return ss3(final).map { .key($0) }
        case .char(27): return .key(.unknown("Alt+Esc"))
        case .char(0x5F), .char(0x50), .char(0x5D), .char(0x5E), .char(0x58):
            // ESC _ (APC), ESC P (DCS), ESC ] (OSC), ESC ^, ESC X: a terminal's late reply to a query
            // (kitty's graphics answer, a colour report) — read to its end and dropped, never typed.
            skipString(next: next)
            return nil
        case .char(let c):
            guard let s = Unicode.Scalar(c) else { return .key(.unknown("Alt")) }
            return .key(.unknown("Alt+\(s.properties.isWhitespace || c < 32 ? "0x" + String(c, radix: 16) : String(s))"))
        case .code(let code):
            return .key(.unknown("Alt+\(key(forCode: code).map { "\($0)" } ?? "key")"))
        }
    }

    /// Reads a control string up to its terminator (ST = `ESC \`, or BEL), at most `maxString` bytes.
    static func skipString(next: (Int32) -> InputUnit?) {
        var afterEscape = false
        for _ in 0..<maxString {
            guard case .char(let b)? = next(sequenceWait) else { return }
            if b == 7 || (afterEscape && b == 0x5C) { return }
            afterEscape = b == 27
        }
    }

    static let maxString = 4096

    static func ss3(_ final: UInt32) -> Key? {
        switch Unicode.Scalar(final).map(Character.init) {
        case "A": return .up
        case "B": return .down
        case "C": return .right
        case "D": return .left
        case "H": return .home
        case "F": return .end
        case "M": return .enter
        case "P": return .unknown("F1")
        case "Q": return .unknown("F2")
        case "R": return .unknown("F3")
        case "S": return .unknown("F4")
        default: return .unknown("ESC O \(Unicode.Scalar(final).map(String.init) ?? "?")")
        }
    }

    /// `ESC [` parameters (0x30–0x3F), intermediates (0x20–0x2F), one final byte (0x40–0x7E). A byte
    /// outside that grammar ends the sequence (it is dropped with it: it came inside a sequence).
    static func csi(next: (Int32) -> InputUnit?) -> Message? {
        var params = ""
        for _ in 0..<maxSequence {
            guard case .char(let b)? = next(sequenceWait) else { return .key(.unknown("ESC [\(params)")) }
            switch b {
            case 0x20...0x3F:
                params.unicodeScalars.append(Unicode.Scalar(UInt8(b)))
            case 0x40...0x7E:
                let final = Character(Unicode.Scalar(UInt8(b)))
                if final == "M" && params.isEmpty { return x10Mouse(next: next) }
                return csiMessage(params: params, final: final)
            default:
                return .key(.unknown("ESC [\(params)"))
            }
        }
        return .key(.unknown("ESC [\(params.prefix(12))…"))
    }

    static func csiMessage(params: String, final: Character) -> Message? {
        if params.hasPrefix("<") { return sgrMouse(params.dropFirst(), pressed: final == "M") }
        let fields = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        let first = fields.first.flatMap { $0 } ?? 1
        // xterm's modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4); any modifier on an arrow moves coarsely.
        let modified = fields.count >= 2 && (fields[1] ?? 1) > 1
        let known: Key? = {
            switch final {
            case "A": return modified ? .shiftUp : .up
            case "B": return modified ? .shiftDown : .down
            case "C": return modified ? .shiftRight : .right
            case "D": return modified ? .shiftLeft : .left
            case "H": return .home
            case "F": return .end
            case "Z": return .backTab
            case "P": return .unknown("F1")
            case "Q": return .unknown("F2")
            case "R": return .unknown("F3")
            case "S": return .unknown("F4")
            case "~":
                switch first {
                case 1, 7: return .home
                case 4, 8: return .end
                case 5: return .pageUp
                case 6: return .pageDown
                case 2: return .unknown("Insert")
                case 3: return .unknown("Delete")
                case 11...15: return .unknown("F\(first - 10)")
                case 17...21: return .unknown("F\(first - 11)")
                case 23, 24: return .unknown("F\(first - 12)")
                case 200, 201: return .unknown("paste")
                default: return nil
                }
            case "I", "O": return .unknown("focus")
            default: return nil
            }
        }()
        return .key(known ?? .unknown("ESC [\(params)\(final)"))
    }

    /// SGR mouse report `ESC [ < b ; x ; y M` (press) or `m` (release), 1-based cells.
    static func sgrMouse(_ params: Substring, pressed: Bool) -> Message? {
        let f = params.split(separator: ";").compactMap { Int($0) }
        guard f.count == 3, pressed else { return nil }
        return mouse(button: f[0], x: f[1] - 1, y: f[2] - 1)
    }

    /// X10 mouse report `ESC [ M b x y`, each byte offset by 32 (cells 1-based).
    static func x10Mouse(next: (Int32) -> InputUnit?) -> Message? {
        var bytes: [Int] = []
        for _ in 0..<3 {
            guard case .char(let b)? = next(sequenceWait) else { return nil }
            bytes.append(Int(b) - 32)
        }
        guard bytes[0] & 3 != 3 else { return nil }  // a release
        return mouse(button: bytes[0], x: bytes[1] - 1, y: bytes[2] - 1)
    }

    /// Left press and the wheel; motion, releases and other buttons mean nothing to the app.
    static func mouse(button: Int, x: Int, y: Int) -> Message? {
        guard button & 32 == 0 else { return nil }  // motion
        switch button & ~(4 | 8 | 16) {             // shift, alt, ctrl
        case 0: return .mouse(.press(x: x, y: y))
        case 64: return .mouse(.wheelUp(x: x, y: y))
        case 65: return .mouse(.wheelDown(x: x, y: y))
        default: return nil
        }
    }
}
