import CKernels
import LatentCore

/// t-SNE's repulsion by FFT-accelerated interpolation (FIt-SNE; Linderman et al., Nature Methods 2019),
/// as openTSNE runs it for large n. With K(y, y') = 1/(1 + |y − y'|²)², the repulsion on point i is
/// y_i·φ₁ − (φ₂, φ₃) and Z = Σ_i [(1 + |y_i|²)φ₁ − 2y_i·(φ₂, φ₃) + φ₄] − n, where φ are the potentials
/// Σ_j K(y_i, y_j)·q_j of the charges q = 1, x, y, x² + y². The potentials are interpolated: the
/// bounding square is cut into boxes with three Lagrange nodes a side, charges are spread onto nodes,
/// the node grid is convolved with K by a zero-padded 2-D FFT, and the nodes' potentials are
/// interpolated back. Cost O(n + G² log G) for a G × G grid instead of Barnes–Hut's O(n log n) tree
/// walks with their cache misses. The FFT is our own (CKTSNE.h): mixed radix 2/3/4 in place without
/// reordering, vectorised across 32 columns at a time.
///
/// Coordinates are centred on the bounding square first: the charges x² + y² and the cancellation in
/// Z then stay small enough for Float. The grid is 16·2^a·3^b on a side; the boxes fill it
/// (⌊G/6⌋ a side), so a finer grid than the width bound asks for costs nothing.
struct FFTRepulsion {
    /// The box width, in embedding units (the kernel's own scale is 1). openTSNE uses 1; 1.5 needs
    /// 2.25× fewer grid nodes for the same span, at ~6 % error in the repulsion (1–2 % at width 1; tested) that
    /// left trustworthiness(15) where it was on Fashion-MNIST at 5,000 and 20,000 points (2 cost 15-NN
    /// preservation there).
    var maxBoxWidth: Float = 1.5
    /// Fewest boxes a side.
    var minBoxes = 10
    /// Interpolation nodes per box side.
    var nodes = 3
    /// The largest FFT side (six planes of it: 511 MB; a map 1,150 wide). A wider map (a far outlier,
    /// say) goes to Barnes–Hut instead: wider boxes would lose Z to cancellation in Float.
    var maxSize = 4608
    /// Most grid nodes per point. A t-SNE map's grid holds ~40 nodes per point at any size (its span
    /// grows as √n); one with hundreds is a map of far-apart clumps (rows that are copies of a few),
    /// where the transforms cost more than Barnes–Hut's walks over the clumps: that iteration is left
    /// to Barnes–Hut.
    var maxNodesPerPoint = 150
    private var work = Workspace()

    init() {}

    /// The grid side for a bounding square of side `span`.
    func gridSize(span: Float) -> Int {
        // The +1: a point on the square's far edge must fall inside the last box.
        let boxes = max(minBoxes, Int((span / maxBoxWidth).rounded(.down)) + 1)
        // The smallest 16·2^a·3^b that holds the zero-padded node grid: powers of two alone would
        // waste up to three quarters of the area, and the mixed-radix passes take any such side.
        let need = 2 * nodes * boxes
        var best = Int.max, threes = 16
        while threes < 2 * need {
            var g = threes
            while g < need { g *= 2 }
            best = min(best, g)
            threes *= 3
        }
        return best
    }

    /// The grid in use: its lower-left corner and side in embedding coordinates, and its FFT side.
    struct Grid: Equatable { var x0: Float, y0: Float, span: Float, size: Int }

    /// Σ_j≠i (y_i − y_j)/(1 + d²)² into `repulsion` (n (x, y) pairs) and Σ_i Σ_j≠i 1/(1 + d²), returned;
    /// nil when the map is too wide for a grid of at most `maxSize` a side or `maxNodesPerPoint` nodes a
    /// point, or Z came out implausibly small.
    func compute(_ y: [Float], into repulsion: inout [Float], threads: Int) -> Double? {
        let n = y.count / 2
        var minX = Float.infinity, maxX = -Float.infinity, minY = Float.infinity, maxY = -Float.infinity
        for i in 0..<n {
            minX = min(minX, y[2 * i]); maxX = max(maxX, y[2 * i])
            minY = min(minY, y[2 * i + 1]); maxY = max(maxY, y[2 * i + 1])
        }
        let w = work
        // Boxes are always maxBoxWidth wide, as many as the FFT side holds: the kernel's spectrum then
        // depends on that side only and is made again only when it changes. The grid moves (centred on
        // the points) only when a point leaves it.
        let needed = max(maxX - minX, maxY - minY, 1e-6)
        guard needed.isFinite, needed <= Float(maxSize) * maxBoxWidth else { return nil }
        let size = gridSize(span: needed)
        guard size <= maxSize, size * size / max(n, 64) <= maxNodesPerPoint else { return nil }
        if let grid = w.grid, grid.size == size, minX >= grid.x0, minY >= grid.y0, maxX <= grid.x0 + grid.span,
           maxY <= grid.y0 + grid.span {
        } else {
            let span = Float(size / (2 * nodes)) * maxBoxWidth
            if w.grid?.size != size { w.kernelReady = false }
            w.grid = Grid(x0: (minX + maxX - span) / 2, y0: (minY + maxY - span) / 2, span: span, size: size)
        }
        let grid = w.grid!, g = grid.size
        w.reserve(points: n, size: g, nodes: nodes)
        let boxes = g / (2 * nodes), m = boxes * nodes, ld = g + Int(CK_FIT_PAD)
        let width = grid.span / Float(boxes)
        let cx = grid.x0 + grid.span / 2, cy = grid.y0 + grid.span / 2
        let geometry = UncheckedSendable(ck_fit_geometry(n: n, boxes: boxes, nodes: nodes, size: g, x0: -grid.span / 2,
                                                         y0: -grid.span / 2, width: width))
        for i in 0..<n { w.centred[2 * i] = y[2 * i] - cx; w.centred[2 * i + 1] = y[2 * i + 1] - cy }
        let W = UncheckedSendable(w)

        // Points to boxes and weights, then a stable counting sort by box.
        parallelRanges(n, threads: threads) { r in
            withUnsafePointer(to: geometry.value) { ck_fit_locate($0, W.value.centred, W.value.box, W.value.weights, r.lowerBound, r.upperBound) }
        }
        let boxCount = boxes * boxes
        w.boxStart.initialize(repeating: 0, count: boxCount + 1)
        for i in 0..<n { w.boxStart[Int(w.box[i]) + 1] += 1 }
        for b in 0..<boxCount { w.boxStart[b + 1] += w.boxStart[b] }
        var fill = Array(UnsafeBufferPointer(start: w.boxStart, count: boxCount))
        for i in 0..<n { let b = Int(w.box[i]); w.order[Int(fill[b])] = Int32(i); fill[b] += 1 }

        // Every node belongs to one box, so boxes spread independently.
        parallelRanges(boxCount, threads: threads) { r in
            let v = W.value
            withUnsafePointer(to: geometry.value) {
                ck_fit_spread($0, v.centred, v.weights, v.order, v.boxStart, r.lowerBound, r.upperBound,
                              v.plane(0), v.plane(1), v.plane(2), v.plane(3))
            }
        }

        if !w.kernelReady {
            // The kernel's spectrum (real: the circulant kernel is even), in the passes' bit-reversed order.
            let h = width / Float(nodes)
            parallelRanges(g, threads: threads) { r in ck_fit_kernel(W.value.plane(4), g, h, r.lowerBound, r.upperBound) }
            w.plane(5).initialize(repeating: 0, count: g * ld)
            rows([4], 0..<g, columnsIn: g, columnsOut: g, inverse: false, threads: threads)
            columns(4, inverse: false, threads: threads)
            w.kernelReady = true
        }

        // Both charge pairs: along rows (only the first m rows and columns hold charges), along columns
        // with the product by the kernel between the two directions, back along rows (only the first m
        // rows and columns are read).
        rows([0, 2], 0..<m, columnsIn: m, columnsOut: g, inverse: false, threads: threads)
        let strip = Int(CK_FIT_STRIP)
        parallelRanges((g + strip - 1) / strip, threads: threads) { r in
            let v = W.value
            ck_fit_convolve(v.plane(0), v.plane(1), v.plane(2), v.plane(3), v.plane(4), g, m, r.lowerBound * strip,
                            min(g, r.upperBound * strip), v.wr, v.wi)
        }
        rows([0, 2], 0..<m, columnsIn: g, columnsOut: m, inverse: true, threads: threads)

        let scale = 1 / Float(g * g)
        parallelRanges(n, threads: threads) { r in
            let v = W.value
            withUnsafePointer(to: geometry.value) {
                ck_fit_gather($0, v.box, v.weights, v.plane(0), v.plane(1), v.plane(2), v.plane(3), scale, v.potentials,
                              r.lowerBound, r.upperBound)
            }
        }
        var z = 0.0
        for i in 0..<n {
            let x = w.centred[2 * i], yy = w.centred[2 * i + 1]
            let p0 = w.potentials[4 * i], p1 = w.potentials[4 * i + 1], p2 = w.potentials[4 * i + 2], p3 = w.potentials[4 * i + 3]
            repulsion[2 * i] = x * p0 - p1
            repulsion[2 * i + 1] = yy * p0 - p2
            z += Double((1 + x * x + yy * yy) * p0 - 2 * (x * p1 + yy * p2) + p3)
        }
        // Z sums n(n − 1) kernel values, none below 1/(1 + 2·span²) on a map `span` wide. An estimate
        // under half that floor is the interpolation's cancellation, not the map (a degenerate input —
        // every row the same — swung the map until Z came out negative and the next step threw the
        // points to 10³²): that iteration is left to Barnes–Hut, as a map too wide is.
        let floor = Double(n) * Double(n - 1) / (1 + 2 * Double(needed) * Double(needed))
        guard z.isFinite, z - Double(n) >= floor / 2 else { return nil }
        return z - Double(n)
    }

    /// Transforms along the columns of planes (plane, plane + 1), CK_FIT_STRIP columns per task.
    private func columns(_ plane: Int, inverse: Bool, threads: Int) {
        let g = work.size, strip = Int(CK_FIT_STRIP)
        let W = UncheckedSendable(work)
        parallelRanges((g + strip - 1) / strip, threads: threads) { r in
            let w = W.value
            ck_fit_columns(w.plane(plane), w.plane(plane + 1), g, r.lowerBound * strip, min(g, r.upperBound * strip),
                           inverse ? 1 : 0, g, w.wr, w.wi)
        }
    }

    /// Transforms along the given rows of each pair of planes (p, p + 1), p in `planes`, CK_FIT_STRIP
    /// rows per task.
    private func rows(_ planes: [Int], _ range: Range<Int>, columnsIn: Int, columnsOut: Int, inverse: Bool, threads: Int) {
        let g = work.size, strip = Int(CK_FIT_STRIP), strips = (range.count + strip - 1) / strip
        let W = UncheckedSendable(work)
        parallelRanges(planes.count * strips, threads: threads) { r in
            let w = W.value
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * g * strip) { scratch in
                for task in r {
                    let plane = planes[task / strips], s = task % strips
                    ck_fit_rows(w.plane(plane), w.plane(plane + 1), g, range.lowerBound + s * strip,
                                min(range.upperBound, range.lowerBound + (s + 1) * strip), columnsIn, columnsOut,
                                inverse ? 1 : 0, w.wr, w.wi, scratch.baseAddress!)
                }
            }
        }
    }

    /// The buffers, kept from one iteration to the next: six size × size planes, the two charge pairs
    /// (re, im) transformed in place and the kernel's spectrum (re, and im while it is made).
    final class Workspace {
        var grid: Grid?
        var kernelReady = false
        private(set) var size = 0, points = 0, nodes = 0, weightNodes = 0
        private var planes: UnsafeMutablePointer<Float>?
        private(set) var wr = UnsafeMutablePointer<Float>.allocate(capacity: 1), wi = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var centred = UnsafeMutablePointer<Float>.allocate(capacity: 1), weights = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var potentials = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var box = UnsafeMutablePointer<Int32>.allocate(capacity: 1), order = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        private(set) var boxStart = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

        func plane(_ k: Int) -> UnsafeMutablePointer<Float> { planes! + k * size * (size + Int(CK_FIT_PAD)) }

        func reserve(points n: Int, size g: Int, nodes p: Int) {
            if g != size || p != nodes {
                nodes = p
                planes?.deallocate(); wr.deallocate(); wi.deallocate(); boxStart.deallocate()
                size = g
                planes = .allocate(capacity: 6 * g * (g + Int(CK_FIT_PAD)))
                planes!.initialize(repeating: 0, count: 6 * g * (g + Int(CK_FIT_PAD)))
                wr = .allocate(capacity: g); wi = .allocate(capacity: g)
                ck_fit_twiddles(wr, wi, g)
                boxStart = .allocate(capacity: g * g / (4 * p * p) + 1)
            }
            if n != points || p != weightNodes {
                weightNodes = p
                centred.deallocate(); weights.deallocate(); potentials.deallocate(); box.deallocate(); order.deallocate()
                points = n
                centred = .allocate(capacity: 2 * n); weights = .allocate(capacity: 2 * p * n); potentials = .allocate(capacity: 4 * n)
                box = .allocate(capacity: n); order = .allocate(capacity: n)
            }
        }

        deinit {
            planes?.deallocate(); wr.deallocate(); wi.deallocate(); centred.deallocate(); weights.deallocate()
            potentials.deallocate(); box.deallocate(); order.deallocate(); boxStart.deallocate()
        }
    }
}
