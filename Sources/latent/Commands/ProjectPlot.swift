import Foundation
import LatentCore
import LatentIO
import TermRender

/// `latent project --plot`: the 2-D result drawn in the terminal as braille dots coloured by label
/// (tab10, each cell the colour of most of its points), so a projection can be looked at over SSH
/// without the explorer or a notebook.
enum ProjectPlot {
    /// The plot and its legend as printable text, `columns` wide.
    static func text(_ y: Tensor, labels: [Int]?, columns: Int, capability: ColorCapability) -> String {
        let n = y.shape[0]
        let points = (0..<n).map { (y.data[$0 * y.shape[1]], y.shape[1] > 1 ? y.data[$0 * y.shape[1] + 1] : 0) }
        let classes = labels ?? [Int](repeating: 0, count: n)
        let rows = max(8, min(48, columns * 2 / 5))
        let bounds = ScatterRaster.Bounds.fitting(points)
        var cells = ScatterRaster.cells(points: points, classes: classes, color: { labels == nil ? RGB(200, 200, 200) : Tab10.color($0) },
                                        columns: columns, rows: rows, bounds: bounds)
        if capability == .monochrome, labels != nil {
            // Without colour, a cell shows the digit of its majority label.
            let majority = ScatterRaster.majority(points: points, classes: classes, columns: columns, rows: rows, bounds: bounds)
            for (i, label) in majority.enumerated() {
                if let label { cells[i] = Cell(String(label % 10).unicodeScalars.first!) }
            }
        }
        var out = ANSIText.render(cells, width: columns, capability: capability)
        if let labels {
            var legend: [Cell] = []
            for label in Set(labels).sorted().prefix(20) {
                legend.append(Cell("■", Style(fg: .rgb(Tab10.color(label)))))
                for ch in "\(label)  ".unicodeScalars { legend.append(Cell(ch)) }
            }
            out += ANSIText.render(legend, width: legend.count, capability: capability)
        }
        return out
    }

    /// What stdout can show: colour on a terminal unless NO_COLOR is set (truecolour when COLORTERM
    /// says so), plain text when piped.
    static func capability(environment: [String: String] = ProcessInfo.processInfo.environment) -> ColorCapability {
        guard isatty(STDOUT_FILENO) != 0, (environment["NO_COLOR"] ?? "").isEmpty else { return .monochrome }
        return ["truecolor", "24bit"].contains(environment["COLORTERM"] ?? "") ? .truecolor : .palette256
    }

    /// The terminal's width (stdout), else $COLUMNS, else 80; kept within 20…200.
    static func width() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return min(200, max(20, Int(size.ws_col))) }
        return min(200, max(20, Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80))
    }

    /// Integer labels, one per row: an IDX labels file, or a .npy/.csv column.
    static func loadLabels(_ path: String) throws -> [Int] {
        let t = try loadInputMatrix(path, scaleImages: false)
        guard t.shape[1] == 1 else { throw FormatError(path, "holds \(t.shape[1]) values a row; labels are one whole number a row") }
        return try LabelValues.classes(t.data, source: path)
    }
}
