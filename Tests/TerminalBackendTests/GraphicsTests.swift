import Foundation
@testable import TerminalBackend
import TermRender
import Testing

/// Pixel protocols: the bytes sent for a small image, what the terminal's replies decide, and what
/// is (re)sent frame to frame.
@Suite struct GraphicsTests {
    // MARK: Detection

    static let xtermVT340 = Array("\u{1B}[6;13;6t\u{1B}[?63;1;2;4;6;9;15;16;22;28c".utf8)
    static let kitty = Array("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[6;20;10t\u{1B}[?62;c".utf8)

    @Test func repliesDecideTheProtocol() {
        let env = ["TERM": "xterm-256color"]
        let sixel = GraphicsDetection.decide(mode: .auto, environment: env, isTTY: true, reply: Self.xtermVT340, windowCell: nil)
        #expect(sixel.kind == .sixel && sixel.cell == PixelSize(width: 6, height: 13))
        let kitty = GraphicsDetection.decide(mode: .auto, environment: env, isTTY: true, reply: Self.kitty, windowCell: PixelSize(width: 9, height: 18))
        #expect(kitty.kind == .kitty && kitty.cell == PixelSize(width: 9, height: 18))  // the kernel's window size first
        // xterm without -ti vt340: DA1 without 4.
        let plain = GraphicsDetection.decide(mode: .auto, environment: env, isTTY: true,
                                             reply: Array("\u{1B}[?64;1;2;6;9;15;16;17;18;21;22;28c".utf8), windowCell: nil)
        #expect(plain.kind == .none)
        // Sixel without a cell size cannot be fitted: glyphs.
        let unsized = GraphicsDetection.decide(mode: .auto, environment: env, isTTY: true, reply: Array("\u{1B}[?62;4c".utf8), windowCell: nil)
        #expect(unsized.kind == .none && unsized.reason.contains("cell size"))
    }

    @Test func silenceTmuxPipesAndOffMeanGlyphs() {
        let env = ["TERM": "xterm-256color"]
        #expect(GraphicsDetection.decide(mode: .auto, environment: env, isTTY: true, reply: [], windowCell: nil).kind == .none)
        #expect(GraphicsDetection.decide(mode: .auto, environment: env, isTTY: false, reply: Self.kitty, windowCell: nil).kind == .none)
        let tmux = GraphicsDetection.decide(mode: .auto, environment: ["TMUX": "/tmp/tmux-0/default,1,0"], isTTY: true, reply: Self.kitty, windowCell: nil)
        #expect(tmux.kind == .none && tmux.reason.contains("allow-passthrough"))
        #expect(GraphicsDetection.decide(mode: .off, environment: env, isTTY: true, reply: Self.kitty, windowCell: nil).kind == .none)
        // Forced inside tmux: passthrough, a default cell size when none is known.
        let forced = GraphicsDetection.decide(mode: .sixel, environment: ["TMUX": "x"], isTTY: true, reply: nil, windowCell: nil)
        #expect(forced.kind == .sixel && forced.tmuxPassthrough && forced.cell == PixelSize(width: 10, height: 20))
        // Garbage replies decide nothing.
        #expect(GraphicsDetection.parse(Array("\u{1B}[6;99999;-1t\u{1B}[?c\u{1B}[".utf8)).cell == nil)
    }

    // MARK: Frame to frame

    static func frame(_ images: [(Image, Rect)]) -> Buffer {
        var b = Buffer(width: 40, height: 20)
        b.write("title", x: 0, y: 0)
        for (image, area) in images {
            b.fill(area, with: Cell("▀", .plain))
            b.place(image, in: area, colorMap: .grey)
        }
        return b
    }

    static let digit = Image(width: 4, height: 4, pixels: (0..<16).map { Float($0 % 2) })
    static let other = Image(width: 4, height: 4, pixels: (0..<16).map { Float($0 % 3) / 2 })

    @Test func sixelLayerSendsNewImagesOnceAndErasesWhatGoes() throws {
        var layer = try #require(ImageLayer(GraphicsSupport(kind: .sixel, cell: PixelSize(width: 2, height: 4), reason: "test")))
        let area = Rect(x: 2, y: 2, width: 4, height: 2)
        let (cells, bytes) = layer.frame(Self.frame([(Self.digit, area)]), repaintedAll: true)
        #expect(cells[2, 2] == .blank && cells[5, 3] == .blank && cells[0, 0].glyph == "t")   // glyphs under the image blank
        let text = String(decoding: bytes, as: UTF8.self)
        // 4×4 pixels in 2×4-pixel cells at scale 2 → 8×8 px, 4×2 cells: placed at the area's corner.
        #expect(text.hasPrefix("\u{1B}7\u{1B}[3;3H\u{1B}P0;1;0q\"1;1;8;8") && text.hasSuffix("\u{1B}8"))
        #expect(layer.frame(Self.frame([(Self.digit, area)]), repaintedAll: false).bytes.isEmpty)   // unchanged: nothing sent
        // Replaced by an image of the same size: drawn over, nothing erased.
        let replaced = String(decoding: layer.frame(Self.frame([(Self.other, area)]), repaintedAll: false).bytes, as: UTF8.self)
        #expect(replaced.contains("\u{1B}P") && !replaced.contains("    "))
        // Gone: its 4×2 cells are written blank.
        let gone = String(decoding: layer.frame(Self.frame([]), repaintedAll: false).bytes, as: UTF8.self)
        #expect(gone == "\u{1B}7\u{1B}[0m\u{1B}[3;3H    \u{1B}[4;3H    \u{1B}8")
        // An image that would reach the last row (a sixel there scrolls) stays glyphs.
        let low = layer.frame(Self.frame([(Self.digit, Rect(x: 0, y: 18, width: 4, height: 2))]), repaintedAll: false)
        #expect(low.bytes.isEmpty && low.cells[0, 19].glyph == "▀")
    }

    @Test func kittyLayerDeletesByIdAndEverythingAfterARepaint() throws {
        var layer = try #require(ImageLayer(GraphicsSupport(kind: .kitty, cell: PixelSize(width: 2, height: 4), reason: "test")))
        let a = Rect(x: 0, y: 2, width: 4, height: 2), b = Rect(x: 10, y: 2, width: 4, height: 2)
        let first = String(decoding: layer.frame(Self.frame([(Self.digit, a), (Self.other, b)]), repaintedAll: true).bytes, as: UTF8.self)
        #expect(first.contains("i=1,") && first.contains("i=2,") && first.contains("\u{1B}[3;11H"))
        let second = String(decoding: layer.frame(Self.frame([(Self.digit, a)]), repaintedAll: false).bytes, as: UTF8.self)
        #expect(second == "\u{1B}7\u{1B}_Ga=d,d=I,i=2,q=2\u{1B}\\\u{1B}8")
        let third = String(decoding: layer.frame(Self.frame([(Self.digit, a)]), repaintedAll: true).bytes, as: UTF8.self)
        #expect(third.hasPrefix(String(decoding: KittyGraphics.deleteAll, as: UTF8.self)) && third.contains("i=3,"))
        #expect(layer.clear() == KittyGraphics.deleteAll)
    }

    @Test func tmuxPassthroughDoublesEveryEscape() throws {
        let layer = try #require(ImageLayer(GraphicsSupport(kind: .kitty, cell: PixelSize(width: 8, height: 16), tmuxPassthrough: true, reason: "t")))
        #expect(layer.wrap([0x1B, 0x5F, 0x41]) == Array("\u{1B}Ptmux;\u{1B}\u{1B}_A\u{1B}\\".utf8))
        #expect(ImageLayer(.none("off")) == nil)
        // A frame goes through whole, cursor moves included (the outer terminal's cursor is not tmux's).
        var sixel = try #require(ImageLayer(GraphicsSupport(kind: .sixel, cell: PixelSize(width: 2, height: 4), tmuxPassthrough: true, reason: "t")))
        let bytes = sixel.frame(Self.frame([(Self.digit, Rect(x: 2, y: 2, width: 4, height: 2))]), repaintedAll: true).bytes
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}Ptmux;\u{1B}\u{1B}7\u{1B}\u{1B}[3;3H\u{1B}\u{1B}P") && text.hasSuffix("\u{1B}\u{1B}8\u{1B}\\"))
        #expect(text.components(separatedBy: "\u{1B}Ptmux;").count == 2)
    }
}
