import CNCursesW
import ExplorerApp
import Foundation
import TermRender

/// The only code that talks to ncurses: sets the terminal up and restores it on every way out,
/// draws frames by sending only changed cells, and turns keys, mouse and resizes into messages.
public final class Terminal {
    public let capability: ColorCapability
    /// False when the locale is not UTF-8: glyphs are then mapped to ASCII (see `AsciiFallback`).
    public let unicode: Bool
    private var previous: Buffer?
    private var pairs: [PairKey: Int16] = [:]
    /// Palette entries already chosen for RGB colours (the perceptual search is not free, and a frame
    /// of images repeats colours).
    private var paletteIndex: [RGB: Int32] = [:]
    private let screen: OpaquePointer?
    private var restored = false
    /// Images in pixels over the cells, when the terminal shows them (`--graphics`).
    private var images: ImageLayer?
    public let graphics: GraphicsSupport

    struct PairKey: Hashable { let fg: Int32, bg: Int32 }

    /// Opens the terminal (or, for tests, a headless screen writing to /dev/null and reading from
    /// `input`, a file descriptor the test writes keys into, as the terminal `TERM` would send them).
    public init(headless: Bool = false, input: Int32? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                graphics: GraphicsSupport = .none("not asked for")) throws {
        setlocale(LC_ALL, "")
        self.graphics = headless ? .none("headless") : graphics
        images = ImageLayer(self.graphics)
        unicode = CNCursesW_isUTF8Locale() != 0
        if headless {
            let out = fopen("/dev/null", "w"), inp = input.map { fdopen($0, "r") } ?? fopen("/dev/null", "r")
            screen = newterm(environment["TERM"] ?? "xterm-256color", out, inp)
        } else {
            guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
                throw TerminalError("the explorer needs a terminal (stdin and stdout are not a TTY); try latent --help for the headless commands")
            }
            screen = newterm(nil, stdout_stream(), stdin_stream())
        }
        guard screen != nil else { throw TerminalError("cannot open the terminal (TERM=\(environment["TERM"] ?? "unset"))") }
        TerminalGuard.install(captureStandardError: !headless)
        cbreak()          // Ctrl-C and Ctrl-Z stay signals: SIGINT stops the loop, ncurses handles SIGTSTP
        noecho()
        nonl()
        keypad(CNCursesW_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        mouseinterval(0)
        mousemask(CNCursesW_mouseMask(), nil)
        var cap = ColorCapability.monochrome
        if environment["NO_COLOR"].map({ !$0.isEmpty }) != true, has_colors() {
            start_color()
            use_default_colors()
            let colors = CNCursesW_colors()
            cap = colors >= 0x100_0000 ? .truecolor : colors >= 256 ? .palette256 : .monochrome
        }
        capability = cap
    }

    deinit { restore() }

    /// Ends curses mode; safe to call more than once.
    public func restore() {
        guard !restored else { return }
        restored = true
        if var layer = images {
            send(layer.clear())
            images = layer
        }
        endwin()
        TerminalGuard.restored()
    }

    public var size: (width: Int, height: Int) { (Int(CNCursesW_cols()), Int(CNCursesW_lines())) }

    // MARK: Drawing

    /// Draws a frame: only the cells that differ from the previous one are sent, then one `doupdate`.
    public func draw(_ frame: Buffer) {
        let win = CNCursesW_stdscr()
        if previous?.width != frame.width || previous?.height != frame.height { werase(win); previous = nil }
        var frame = frame, pixels: [UInt8] = []
        if var layer = images {
            // A full redraw must really reach the screen: it is what erases sixel images left behind.
            if previous == nil { clearok(CNCursesW_curscr(), true) }
            (frame, pixels) = layer.frame(frame, repaintedAll: previous == nil)
            images = layer
        }
        // Colour images can use more (fg, bg) pairs over a session than the terminal has: before a frame
        // could run out, all pairs are released and the frame is drawn afresh with new ones.
        // (A terminal with fewer pairs than cells resets at half its pairs; a frame past that gets default colours.)
        let limit = Int(CNCursesW_colorPairs())
        if pairs.count + min(frame.cells.count, limit / 2) >= limit - 1 {
            reset_color_pairs()
            pairs.removeAll(keepingCapacity: true)
            previous = nil
        }
        for i in frame.changes(since: previous) {
            let x = i % frame.width, y = i / frame.width
            // Writing the bottom-right cell scrolls some terminals; it is always part of the footer.
            if x == frame.width - 1 && y == frame.height - 1 { continue }
            put(frame.cells[i], x: x, y: y, win: win)
        }
        previous = frame
        wnoutrefresh(win)
        doupdate()
        send(pixels)
    }

    /// Bytes straight to the terminal, after ncurses has flushed its own.
    private func send(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            done += n
        }
    }

    /// Forces the next frame to be drawn in full (after a resize or a resume).
    public func invalidate() { previous = nil }

    private func put(_ cell: Cell, x: Int, y: Int, win: UnsafeMutablePointer<WINDOW>?) {
        var attr = CNCursesW_normal()
        if cell.style.bold { attr |= CNCursesW_bold() }
        if cell.style.reverse { attr |= CNCursesW_reverse() }
        if cell.style.dim { attr |= CNCursesW_dim() }
        if cell.style.underline { attr |= CNCursesW_underline() }
        var pair: Int32 = 0
        if capability != .monochrome, cell.style.fg != .default || cell.style.bg != .default {
            pair = Int32(colorPair(fg: colorIndex(cell.style.fg), bg: colorIndex(cell.style.bg)))
        }
        let glyph = unicode ? cell.glyph : AsciiFallback.map(cell.glyph)
        var wide: [wchar_t] = [wchar_t(bitPattern: glyph.value), 0]
        var cc = cchar_t()
        setcchar(&cc, &wide, attr, 0, &pair)
        mvwadd_wch(win, Int32(y), Int32(x), &cc)
    }

    private func colorIndex(_ c: TermColor) -> Int32 {
        switch c {
        case .default: return -1
        case .rgb(let rgb):
            switch capability {
            case .truecolor: return Int32(rgb.r) << 16 | Int32(rgb.g) << 8 | Int32(rgb.b)
            case .palette256:
                if let index = paletteIndex[rgb] { return index }
                if paletteIndex.count > 65_536 { paletteIndex.removeAll(keepingCapacity: true) }
                let index = Int32(XtermPalette.nearestIndex(rgb))
                paletteIndex[rgb] = index
                return index
            case .monochrome: return -1
            }
        }
    }

    /// A colour pair for (fg, bg), allocated once and cached. Colours are quantised to the palette,
    /// so the number of distinct pairs stays small and `alloc_pair` never has to recycle one.
    private func colorPair(fg: Int32, bg: Int32) -> Int16 {
        let key = PairKey(fg: fg, bg: bg)
        if let p = pairs[key] { return p }
        let p = alloc_pair(fg, bg)
        let pair = Int16(clamping: p < 0 ? 0 : p)
        pairs[key] = pair
        return pair
    }

    /// Reads back the glyph at (x, y) of the curses screen (headless tests).
    public func glyph(x: Int, y: Int) -> Unicode.Scalar? {
        var cc = cchar_t()
        guard mvwin_wch(CNCursesW_stdscr(), Int32(y), Int32(x), &cc) != ERR else { return nil }
        var wide = [wchar_t](repeating: 0, count: 8)
        var attr: attr_t = 0
        var pair: Int16 = 0
        getcchar(&cc, &wide, &attr, &pair, nil)
        return Unicode.Scalar(UInt32(bitPattern: wide[0]))
    }

    // MARK: Input

    /// Events that arrive within `timeout` milliseconds (the first one waited for, the rest drained
    /// without waiting), so a held key's repeats are handled together in one frame.
    public func readEvents(timeout: Int32) -> [Message] {
        var out: [Message] = []
        var wait = timeout
        while out.count <= 512, let unit = read(wait: wait) {
            wait = 0
            if let message = decode(unit) { out.append(message) }
        }
        return out
    }

    /// One unit of input, waiting up to `wait` ms (0: only what is already there).
    private func read(wait: Int32) -> InputUnit? {
        let win = CNCursesW_stdscr()
        wtimeout(win, wait)
        var ch: wint_t = 0
        let status = wget_wch(win, &ch)
        if status == ERR { return nil }
        return status == KEY_CODE_YES ? .code(Int32(ch)) : .char(UInt32(ch))
    }

    private func decode(_ unit: InputUnit) -> Message? {
        switch unit {
        case .code(KEY_RESIZE):
            previous = nil
            return .resize(width: size.width, height: size.height)
        case .code(KEY_MOUSE):
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            let x = Int(event.x), y = Int(event.y)
            if CNCursesW_isWheelUp(event.bstate) != 0 { return .mouse(.wheelUp(x: x, y: y)) }
            if CNCursesW_isWheelDown(event.bstate) != 0 { return .mouse(.wheelDown(x: x, y: y)) }
            if CNCursesW_isButton1(event.bstate) != 0 { return .mouse(.press(x: x, y: y)) }
            return nil
        default:
            return InputDecoder.decode(unit) { wait in read(wait: wait) }
        }
    }
}

public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

// ncurses wants the C streams; fetching them through functions keeps Swift 6 from flagging the globals.
private func stdout_stream() -> UnsafeMutablePointer<FILE>? { fdopen(dup(STDOUT_FILENO), "w") }
private func stdin_stream() -> UnsafeMutablePointer<FILE>? { fdopen(dup(STDIN_FILENO), "r") }
