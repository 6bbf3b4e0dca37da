@testable import TermRender
import Testing

@Suite struct ANSITextTests {
    let cells = [Cell("a", Style(fg: .rgb(RGB(255, 0, 0)))), Cell("b", Style(fg: .rgb(RGB(255, 0, 0)))), Cell("c"),
                 Cell("d", Style(fg: .rgb(RGB(0, 0, 255)), bold: true)), Cell(" "), Cell("f")]

    @Test func monochromeIsPlainTextInRows() {
        #expect(ANSIText.render(cells, width: 3, capability: .monochrome) == "abc\nd f\n")
    }

    @Test func coloursChangeOnlyWhereTheStyleDoesAndEveryLineIsReset() {
        let text = ANSIText.render(cells, width: 3, capability: .truecolor)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)
        #expect(lines[0] == "\u{1B}[0;38;2;255;0;0mab\u{1B}[0mc\u{1B}[0m")
        #expect(lines[1] == "\u{1B}[0;1;38;2;0;0;255md\u{1B}[0m f\u{1B}[0m")
        let palette = ANSIText.render(cells, width: 3, capability: .palette256)
        #expect(palette.hasPrefix("\u{1B}[0;38;5;\(XtermPalette.nearestIndex(RGB(255, 0, 0)))mab"))
    }
}
