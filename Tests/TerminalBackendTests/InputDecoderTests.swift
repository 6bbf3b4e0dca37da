import CNCursesW
import ExplorerApp
import Foundation
@testable import TerminalBackend
import Testing

/// Escape sequences become one key (or one mouse event, or one ignored unknown key), never a run of
/// typed characters, and a lone ESC is the Escape key.
@Suite struct InputDecoderTests {
    /// Decodes all of `bytes` the way the terminal does: one message per first unit and its sequence.
    static func messages(bytes: [UInt8]) -> [Message] { messages(bytes.map(UInt32.init)) }

    static func messages(_ scalars: [UInt32]) -> [Message] {
        var units = scalars.map { InputUnit.char($0) }
        var out: [Message] = []
        while !units.isEmpty {
            let first = units.removeFirst()
            if let m = InputDecoder.decode(first, next: { _ in units.isEmpty ? nil : units.removeFirst() }) { out.append(m) }
        }
        return out
    }

    static func keys(_ s: String) -> [Key] {
        messages(s.unicodeScalars.map(\.value)).compactMap { if case .key(let k) = $0 { return k } else { return nil } }
    }

    @Test func homeEndAndPagesInEveryCommonForm() {
        for s in ["\u{1B}[1~", "\u{1B}[7~", "\u{1B}[H", "\u{1B}OH"] { #expect(Self.keys(s) == [.home], "\(s.debugDescription)") }
        for s in ["\u{1B}[4~", "\u{1B}[8~", "\u{1B}[F", "\u{1B}OF"] { #expect(Self.keys(s) == [.end], "\(s.debugDescription)") }
        #expect(Self.keys("\u{1B}[5~\u{1B}[6~") == [.pageUp, .pageDown])
        #expect(Self.keys("\u{1B}[A\u{1B}OB\u{1B}[1;2C\u{1B}[1;5D\u{1B}[Z") == [.up, .down, .shiftRight, .shiftLeft, .backTab])
    }

    /// A terminal's late answer to the graphics query (an APC), a DCS or an OSC is dropped whole: none
    /// of its letters becomes a key (`i`, `O`, `K` would act).
    @Test func lateTerminalRepliesAreDroppedWhole() {
        #expect(Self.messages(bytes: Array("\u{1B}_Gi=31;OK\u{1B}\\q".utf8)).count == 1)
        #expect(Self.keys("\u{1B}_Gi=31;OK\u{1B}\\q") == [.char("q")])
        #expect(Self.keys("\u{1B}P1$r0m\u{1B}\\j") == [.char("j")])
        #expect(Self.keys("\u{1B}]11;rgb:0000/0000/0000\u{07}k") == [.char("k")])
        // Cut off: dropped up to where the bytes stop.
        #expect(Self.keys("\u{1B}_Gi=31;OK").isEmpty)
    }

    @Test func unknownSequencesAreOneIgnoredKey() {
        #expect(Self.keys("\u{1B}[99~") == [.unknown("ESC [99~")])
        #expect(Self.keys("\u{1B}[15~\u{1B}OP") == [.unknown("F5"), .unknown("F1")])
        #expect(Self.keys("\u{1B}x") == [.unknown("Alt+x")])
        #expect(Self.keys("\u{1B}[1;2;3;4;5;6;7;8;9;1;2;3;4;5;6;7;8;9;0;1;2;3;4;5;6;7;8;9;0;1;2x") .count == 1)
        // A sequence cut off (its tail never came) is still one unknown key, and what follows is typed.
        #expect(Self.keys("\u{1B}[12") == [.unknown("ESC [12")])
        #expect(Self.keys("\u{1B}\u{1B}q") == [.unknown("Alt+Esc"), .char("q")])
    }

    @Test func aLoneEscapeIsEscape() {
        #expect(Self.keys("\u{1B}") == [.escape])
        #expect(Self.keys("a\u{1B}") == [.char("a"), .escape])
    }

    @Test func mouseReportsInBothProtocols() {
        let sgr = Self.messages(bytes: Array("\u{1B}[<0;10;5M\u{1B}[<0;10;5m\u{1B}[<64;3;4M\u{1B}[<65;3;4M\u{1B}[<35;1;1M".utf8))
        #expect(sgr.count == 3)
        if case .mouse(.press(9, 4)) = sgr[0] {} else { Issue.record("\(sgr[0])") }
        if case .mouse(.wheelUp(2, 3)) = sgr[1] {} else { Issue.record("\(sgr[1])") }
        if case .mouse(.wheelDown(2, 3)) = sgr[2] {} else { Issue.record("\(sgr[2])") }
        let x10 = Self.messages(bytes: [27, 91, 77, 32, 33 + 7, 33 + 2, 27, 91, 77, 35, 40, 40])  // press at (7, 2), release
        #expect(x10.count == 1)
        if case .mouse(.press(7, 2)) = x10[0] {} else { Issue.record("\(x10)") }
    }

    @Test func controlAndPrintableCharacters() {
        #expect(Self.keys("\t\r\u{7F}\u{03}é漢") == [.tab, .enter, .backspace, .ctrl("c"), .char("é"), .char("漢")])
        #expect(Self.messages(bytes: [0]).isEmpty)
    }
}

/// The real ncurses input path: bytes written into a pipe, read by a headless screen of each common
/// TERM, decoded by the terminal. What tmux, screen and xterm send must come out as the same keys.
/// Part of `HeadlessTerminalTests`, the one serialized suite for ncurses screens: ncurses is not thread-safe,
/// and two screens made at once by tests running side by side corrupted the heap (seen once in CI).
extension HeadlessTerminalTests {
    static let sequences: [(String, [Key])] = [
        ("\u{1B}[1~", [.home]), ("\u{1B}[4~", [.end]), ("\u{1B}[H", [.home]), ("\u{1B}[F", [.end]),
        ("\u{1B}OH", [.home]), ("\u{1B}OF", [.end]), ("\u{1B}[5~", [.pageUp]), ("\u{1B}[6~", [.pageDown]),
        ("\u{1B}[A", [.up]), ("\u{1B}OA", [.up]), ("\u{1B}[D", [.left]), ("\u{1B}[1;2C", [.shiftRight]),
        ("\u{1B}[Z", [.backTab]), ("\u{1B}OP", [.unknown("F1")]), ("\u{1B}[99~", [.unknown("ESC [99~")]),
        ("\u{1B}x", [.unknown("Alt+x")]), ("j", [.char("j")]),
    ]

    @Test(arguments: ["xterm-256color", "tmux-256color", "screen-256color", "xterm"])
    func keysUnderEveryCommonTerm(term: String) throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let t = try Terminal(headless: true, input: fds[0], environment: ["TERM": term])
        defer { t.restore(); close(fds[1]) }
        for (bytes, expected) in Self.sequences {
            _ = bytes.utf8CString.withUnsafeBufferPointer { write(fds[1], $0.baseAddress, $0.count - 1) }
            let keys = t.readEvents(timeout: 200).map { message -> Key? in if case .key(let k) = message { return k } else { return nil } }
            // Whether ncurses knew the sequence (a KEY_ code) or we parsed it, the key is the same;
            // F-keys ncurses names itself.
            let named = keys.map { k -> Key? in if case .unknown(let s)? = k, s.hasPrefix("F") { return .unknown("F1") } else { return k } }
            #expect(named == expected.map { Optional($0) }, "\(term): \(bytes.debugDescription) gave \(keys)")
        }
        // A lone ESC, after the wait for its sequence, is Escape.
        _ = write(fds[1], [UInt8(27)], 1)
        let esc = t.readEvents(timeout: 200)
        #expect(esc.count == 1)
        if case .key(.escape)? = esc.first {} else { Issue.record("\(term): lone ESC gave \(esc)") }
    }
}
