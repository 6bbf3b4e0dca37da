import LatentIO
import TermRender

/// The pixels over a frame's cells, frame to frame: which images to send (only new or changed ones),
/// which to take away, and the cells ncurses must leave blank under them. Pure: it returns bytes,
/// the terminal writes them after ncurses has drawn the cells.
public struct ImageLayer {
    let support: GraphicsSupport
    let cell: PixelSize
    private(set) var shown: [Shown] = []
    private var nextID = 1

    struct Shown: Equatable {
        var placement: ImagePlacement
        /// The cells the fitted image covers, and its size in pixels.
        var cells: Rect
        var pixels: PixelSize
        var id: Int
    }

    public init?(_ support: GraphicsSupport) {
        guard support.kind != .none, let cell = support.cell else { return nil }
        self.support = support
        self.cell = cell
    }

    /// The frame as ncurses should draw it (every image's cells blank) and the bytes that put the
    /// images over it. After `repaintedAll` (a resize, a redraw) nothing drawn before is on screen.
    public mutating func frame(_ frame: Buffer, repaintedAll: Bool) -> (cells: Buffer, bytes: [UInt8]) {
        var bytes: [UInt8] = []
        if repaintedAll {
            if support.kind == .kitty && !shown.isEmpty { bytes += KittyGraphics.deleteAll }
            shown = []
        }
        // Each placement fitted to whole cells; none may reach the last row (a sixel there scrolls the
        // screen). Pixels are resampled only for the images that are sent.
        var wanted: [(ImagePlacement, Rect)] = []
        for p in frame.images {
            guard let cells = p.cells(cell: cell), p.area.maxY < frame.height,
                  !wanted.contains(where: { $0.0.area.intersects(p.area) }) else { continue }
            wanted.append((p, cells))
        }
        // The whole area an image was given is blank: its glyphs would show around smaller pixels.
        let cells = frame.blanking(wanted.map(\.0.area))
        var kept: [Shown] = [], added: [(ImagePlacement, Rect, Image)] = []
        for (p, rect) in wanted {
            if let s = shown.first(where: { $0.cells == rect && $0.placement == p }) {
                kept.append(s)
            } else if let (pixels, _) = p.fitted(cell: cell) {
                added.append((p, rect, pixels))
            }
        }
        let removed = shown.filter { s in !kept.contains(where: { $0.id == s.id }) }
        guard !removed.isEmpty || !added.isEmpty else { return (cells, wrap(bytes)) }

        bytes += Array("\u{1B}7".utf8)  // DECSC: cursor and rendition, restored at the end
        switch support.kind {
        case .kitty:
            for s in removed { bytes += KittyGraphics.delete(id: s.id) }
        case .sixel:
            // Sixel pixels stay until their cells are written: blank the cells of images gone that the
            // new frame leaves blank (ncurses thinks they are blank already), also under new images,
            // which need not fill their last row and column of cells; those are drawn afterwards.
            var plain = false  // default rendition set (once, before the first blank)
            // An image replaced by one of the same size in the same cells is simply drawn over.
            for s in removed where !added.contains(where: { $0.1 == s.cells && PixelSize(width: $0.2.width, height: $0.2.height) == s.pixels }) {
                for y in s.cells.y..<s.cells.maxY {
                    var x = s.cells.x
                    while x < s.cells.maxX {
                        guard cells[x, y] == .blank else { x += 1; continue }
                        var run = 0
                        while x + run < s.cells.maxX, cells[x + run, y] == .blank { run += 1 }
                        if !plain { bytes += Array("\u{1B}[0m".utf8); plain = true }
                        bytes += cursor(x: x, y: y) + [UInt8](repeating: 0x20, count: run)
                        x += run
                    }
                }
            }
        case .none:
            break
        }
        var now = kept
        for (p, rect, pixels) in added {
            let id = nextID
            nextID = nextID % 4_000_000 + 1
            bytes += cursor(x: rect.x, y: rect.y)
            switch support.kind {
            case .kitty:
                bytes += KittyGraphics.show(rgb: ImagePlacement.rgb(pixels, colorMap: p.colorMap), width: pixels.width,
                                           height: pixels.height, id: id, deflate: { Gzip.zlib($0) })
            case .sixel:
                let rgb = ImagePlacement.rgb(pixels, colorMap: p.colorMap), small = pixels.width * pixels.height <= 48 * 48
                bytes += Sixel.encode(rgb: Self.levels(rgb, small: small), width: pixels.width, height: pixels.height,
                                     maxColours: small ? 64 : 256)
            case .none:
                break
            }
            now.append(Shown(placement: p, cells: rect, pixels: PixelSize(width: pixels.width, height: pixels.height), id: id))
        }
        shown = now
        bytes += Array("\u{1B}8".utf8)
        return (cells, wrap(bytes))
    }

    /// What takes every image away when the program ends.
    mutating func clear() -> [UInt8] {
        defer { shown = [] }
        return support.kind == .kitty && !shown.isEmpty ? wrap(KittyGraphics.deleteAll) : []
    }

    /// Sixel sends a band's rows once per colour, so bytes grow with the colours: 64 levels a channel
    /// keep a grey digit to 64 colours (a quarter of the bytes of 256) with no visible banding; tiles of
    /// at most 48×48 pixels, seen small, get 16 (a 20×20 manifold grid is then a third of the bytes),
    /// and at most 64 colours.
    static func levels(_ rgb: [UInt8], small: Bool) -> [UInt8] {
        small ? rgb.map { ($0 & 0xF0) | ($0 >> 4) } : rgb.map { ($0 & 0xFC) | ($0 >> 6) }
    }

    func cursor(x: Int, y: Int) -> [UInt8] { Array("\u{1B}[\(y + 1);\(x + 1)H".utf8) }

    /// tmux 3.3 passes a sequence to the outer terminal only inside `ESC Ptmux; … ESC \`, with every
    /// ESC doubled (and only with `allow-passthrough on`). A frame's bytes go through whole, cursor moves
    /// included: the outer terminal's cursor is not where tmux's pane cursor is, so the images are placed
    /// in the outer terminal's coordinates (right for a pane at the window's top-left corner).
    func wrap(_ sequence: [UInt8]) -> [UInt8] {
        guard support.tmuxPassthrough, !sequence.isEmpty else { return sequence }
        var out = Array("\u{1B}Ptmux;".utf8)
        for b in sequence { if b == 0x1B { out += [0x1B, 0x1B] } else { out.append(b) } }
        return out + [0x1B, UInt8(ascii: "\\")]
    }
}
