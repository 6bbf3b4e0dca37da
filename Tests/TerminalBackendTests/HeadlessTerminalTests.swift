import ExplorerApp
import TermRender
@testable import TerminalBackend
import Testing

/// The ncurses backend drawn on a headless screen (`newterm` on /dev/null) and read back.
@Suite(.serialized) struct HeadlessTerminalTests {
    @Test func drawsFramesAndReadsThemBack() throws {
        let t = try Terminal(headless: true, environment: ["TERM": "xterm-256color"])
        defer { t.restore() }
        #expect(t.capability == .palette256)
        var frame = Buffer(width: t.size.width, height: t.size.height)
        frame.write("latent ▸ z0", x: 2, y: 1, style: .bold)
        frame[5, 3] = Cell("▀", Style(fg: .rgb(RGB(grey: 200)), bg: .rgb(RGB(grey: 20))))
        t.draw(frame)
        #expect(t.glyph(x: 2, y: 1) == "l")
        #expect(t.glyph(x: 9, y: 1) == "▸")
        #expect(t.glyph(x: 5, y: 3) == "▀")
        // A second frame changes one cell; the rest stays.
        var next = frame
        next[2, 1] = Cell("L")
        t.draw(next)
        #expect(t.glyph(x: 2, y: 1) == "L" && t.glyph(x: 3, y: 1) == "a")
    }

    @Test func noColorMeansMonochrome() throws {
        let t = try Terminal(headless: true, environment: ["NO_COLOR": "1"])
        defer { t.restore() }
        #expect(t.capability == .monochrome)
        // The whole explorer view draws on it.
        let summary = ModelSummaryLine(name: "m", kind: .vae, latentDim: 3, codebookSize: 0, classNames: ["a", "b"])
        let m = AppModel(width: t.size.width, height: t.size.height, capability: t.capability, model: summary)
        t.draw(Explorer.view(m))
        #expect(t.glyph(x: 1, y: 0) == "L")  // " LatentExplorer"
    }

    @Test func asciiFallbackCoversTheGlyphsTheViewsUse() {
        for s in "─│┌┐└┘┼●▸▲▼✓·═┃▀⣿⠀".unicodeScalars { #expect(AsciiFallback.map(s).isASCII) }
        #expect(AsciiFallback.map("a") == "a")
    }
}
