@testable import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentProjection
import TermRender
import Testing

/// A data set of any size: the scatter grows while the data is encoded, the nearest point comes from a
/// grid index, a dense plot is drawn as density, and images left in their file open as read ones do.
@Suite struct LargeDataTests {
    /// `n` latents in 4-D around ten centres, labelled by centre.
    static func clusters(_ n: Int, seed: UInt64 = 5) -> (mus: [[Float]], labels: [Int]) {
        var rng = SeededRNG(seed: seed)
        var mus: [[Float]] = [], labels: [Int] = []
        for i in 0..<n {
            let c = i % 10
            mus.append([Float(c % 5) * 2 + 0.5 * rng.nextNormal(), Float(c / 5) * 3 + 0.5 * rng.nextNormal(),
                        0.2 * rng.nextNormal(), 0.1 * rng.nextNormal()])
            labels.append(c)
        }
        return (mus, labels)
    }

    @Test func theScatterGrowsAsTheDataIsEncodedAndStaysForTheFinalPCA() throws {
        let (mus, labels) = Self.clusters(2000)
        var stream = StreamedScatter(labels: labels, interval: 0, slowing: 0)
        // Too few for a PCA yet; then a part with the basis; then one placed by the same basis.
        #expect(stream.add(mus[0..<600]) == nil)
        guard case .datasetEncodedPart(let first, let firstLabels, let firstPoints, let pca?, _)? = stream.add(mus[600..<1200]) else {
            Issue.record("no first part with a PCA"); return
        }
        #expect(first == Array(mus[0..<1200]) && firstLabels == Array(labels[0..<1200]))
        let x = Tensor(shape: [1200, 4], data: first.flatMap { $0 })
        #expect(firstPoints == pca.planePoints(x))
        guard case .datasetEncodedPart(let second, let secondLabels, let secondPoints, nil, _)? = stream.add(mus[1200...]) else {
            Issue.record("no second part"); return
        }
        #expect(second == Array(mus[1200...]) && secondLabels == Array(labels[1200...]))
        #expect(secondPoints == pca.planePoints(Tensor(shape: [800, 4], data: second.flatMap { $0 })))

        var m = makeModel()
        m.vae = VAEState(latentDim: 4, classCount: 0)
        m.datasetProgress = 0.6
        while m.vae.panel != .scatter { _ = Explorer.update(&m, .key(.tab)) }
        let peek = Explorer.update(&m, .datasetEncodedPart(mus: first, labels: firstLabels, points: firstPoints, pca: pca))
        #expect(m.scatter.pcaPoints.count == 1200 && m.scatter.mus.count == 1200 && m.scatter.labels.count == 1200)
        #expect(peek.contains { if case .peekImage = $0 { true } else { false } })
        let plot = Explorer.scatterPlot(m)
        #expect(m.scatter.cursor.column == plot.width / 2 && m.scatter.cursor.row == plot.height / 2)
        let drawn = Explorer.view(m)
        #expect(!drawn.text.contains("encoding the data…"))
        _ = Explorer.update(&m, .key(.right))  // the cursor moves while the rest is encoded
        _ = Explorer.update(&m, .datasetEncodedPart(mus: second, labels: secondLabels, points: secondPoints, pca: nil))
        #expect(m.scatter.pcaPoints.count == 2000 && m.scatter.cursor.column == plot.width / 2 + 1)
        // The end: the grown scatter stays until the PCA of all of it comes, turned to match.
        let commands = Explorer.update(&m, .datasetEncoded(mus: mus, labels: labels))
        #expect(m.datasetProgress == nil && m.scatter.pcaPoints.count == 2000 && m.scatter.mus.count == 2000)
        #expect(commands.contains(.project(.pca, mus: mus)))
        guard case .projected(.pca, let all, let allPCA?, _)? = Runtime.projectPCA(mus, alignedWith: m.scatter.pca) else {
            Issue.record("no PCA of all"); return
        }
        for c in 0..<2 {
            let agreement = (0..<4).reduce(Float(0)) { $0 + allPCA.components.data[c * 4 + $1] * pca.components.data[c * 4 + $1] }
            #expect(agreement > 0.9, "axis \(c) turned away from the streamed scatter's")
        }
        _ = Explorer.update(&m, .projected(.pca, all, pca: allPCA))
        #expect(m.scatter.pcaPoints.count == 2000)
    }

    /// Past `indexedFrom` points each part brings the nearest-point index of all the points so far,
    /// built in the background, and the state takes it (the frame does not build one).
    @Test func largePartsBringTheirIndex() {
        let (mus, labels) = Self.clusters(ScatterState.indexedFrom + 100)
        var stream = StreamedScatter(labels: labels, interval: 0, slowing: 0)
        guard case .datasetEncodedPart(let first, let l1, let p1, let pca?, nil)? = stream.add(mus[0..<2000]),
              case .datasetEncodedPart(let rest, let l2, let p2, nil, let index?)? = stream.add(mus[2000...]) else {
            Issue.record("the parts did not come as expected"); return
        }
        #expect(index.count == mus.count)
        var m = makeModel()
        m.vae = VAEState(latentDim: 4, classCount: 0)
        m.datasetProgress = 0.5
        _ = Explorer.update(&m, .datasetEncodedPart(mus: first, labels: l1, points: p1, pca: pca))
        _ = Explorer.update(&m, .datasetEncodedPart(mus: rest, labels: l2, points: p2, pca: nil, index: index))
        let q = m.scatter.pcaPoints[1234]
        #expect(m.scatter.caches.index(version: m.scatter.pointsVersion, method: .pca) { Issue.record("the index was built again"); return index } === index)
        #expect(m.scatter.nearest(to: q) == m.scatter.pcaPoints.firstIndex { $0 == q })
    }

    @Test func partsArriveOnlyWhileEncoding() {
        var m = makeModel()
        m.vae = VAEState(latentDim: 2, classCount: 0)
        m.datasetProgress = nil
        let pca = try! PCA.fit(Tensor(shape: [3, 2], data: [0, 0, 1, 0, 0, 2]), components: 2)
        // A part that comes after the encoding's end (a stale message) changes nothing.
        _ = Explorer.update(&m, .datasetEncodedPart(mus: [[0, 0]], labels: [0], points: [0, 0], pca: pca))
        #expect(m.scatter.pcaPoints.isEmpty)
    }

    @Test func theGridIndexFindsWhatAPassOverAllPointsFinds() {
        var rng = SeededRNG(seed: 9)
        // Clumps and a long sparse tail.
        let n = 6_000
        var points = (0..<n).map { i -> (Float, Float) in
            i % 50 == 0 ? (rng.nextFloat() * 100 - 50, rng.nextFloat() * 10) : (Float(i % 10) + 0.3 * rng.nextNormal(), 0.3 * rng.nextNormal())
        }
        points[n - 1] = points[3]  // a tie: the earlier index wins, as in a pass in order
        let labels = (0..<n).map { $0 % 10 }
        func brute(_ p: (Float, Float), _ include: (Int) -> Bool) -> Int? {
            var best: Int?, bestD = Float.infinity
            for (i, q) in points.enumerated() where include(i) {
                let d = (q.0 - p.0) * (q.0 - p.0) + (q.1 - p.1) * (q.1 - p.1)
                if d < bestD { bestD = d; best = i }
            }
            return best
        }
        let index = ScatterIndex(points: points)
        var queries: [(Float, Float)] = [points[3], (1000, 1000), (-80, -3), (0, 0)]
        for _ in 0..<300 { queries.append((rng.nextFloat() * 140 - 70, rng.nextFloat() * 16 - 3)) }
        for include in [{ (_: Int) in true }, { labels[$0] == 9 }, { _ in false }] as [(Int) -> Bool] {
            for q in queries { #expect(index.nearest(to: q, in: points, include: include) == brute(q, include), "query \(q)") }
        }
        // The state uses it from `indexedFrom` points on, hidden classes left out.
        var s = ScatterState()
        s.labels = (0..<ScatterState.indexedFrom).map { $0 % 10 }
        s.pcaPoints = (0..<ScatterState.indexedFrom).map { points[$0 % n] }
        s.hidden = [0, 1, 2, 3, 4, 5, 6, 7, 8]
        for q in queries.prefix(8) {
            let expected = brute(q) { labels[$0] == 9 }  // the first n points repeat, so the earliest is among them
            #expect(s.nearest(to: q) == expected && s.nearest(to: q, includingHidden: true) == brute(q) { _ in true })
        }
    }

    @Test func manyPointsAreDrawnAsDensityInTheirMajoritysColour() {
        // 20,000 points in the left half of a 4×1 plot (class 1), 10 in the right half (class 2), and
        // one class-3 point among the class-1 ones.
        var points: [(Float, Float)] = [], classes: [Int] = []
        for i in 0..<20_000 { points.append((Float(i % 100) / 100, 0.5)); classes.append(i == 7 ? 3 : 1) }
        for i in 0..<10 { points.append((1.5 + Float(i) / 20, 0.5)); classes.append(2) }
        let bounds = ScatterRaster.Bounds(minX: 0, maxX: 2, minY: 0, maxY: 1)
        let colours: [RGB] = [.black, RGB(200, 0, 0), RGB(0, 200, 0), RGB(0, 0, 200)]
        func dots(_ c: Cell) -> Int { c.glyph == " " ? 0 : (c.glyph.value - 0x2800).nonzeroBitCount }
        let cells = ScatterRaster.densityCells(points: points, classes: classes, classCount: 4, include: { _ in true },
                                               color: { colours[$0] }, columns: 4, rows: 1, bounds: bounds)
        #expect(cells.map(dots) == [8, 8, 0, 3])  // 10,000 each, none, 10 (⌈8 · ln 11 / ln 10,001⌉ = 3)
        #expect(cells[0].style.fg == .rgb(colours[1]) && cells[3].style.fg == .rgb(colours[2]))
        // Hidden points are not counted: the densest cell is now the 10.
        let shown = ScatterRaster.densityCells(points: points, classes: classes, classCount: 4, include: { classes[$0] != 1 },
                                               color: { colours[$0] }, columns: 4, rows: 1, bounds: bounds)
        #expect(shown.map(dots) == [3, 0, 0, 8] && shown[0].style.fg == .rgb(colours[3]))
    }

    /// A large scatter's plot is density; a key that changes neither the points nor the view leaves it
    /// as it was (the kept raster), a zoom draws it anew.
    @Test func aLargePlotIsDrawnAsDensityAndRedrawnOnlyWhenItsViewChanges() {
        var m = makeModel()
        m.vae = VAEState(latentDim: 4, classCount: 0)
        let (mus, labels) = Self.clusters(Explorer.densityFrom + 1000)
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: labels))
        guard case .projected(.pca, let flat, let pca, _)? = Runtime.projectPCA(mus) else { Issue.record("no PCA"); return }
        _ = Explorer.update(&m, .projected(.pca, flat, pca: pca))
        while m.vae.panel != .scatter { _ = Explorer.update(&m, .key(.tab)) }
        // The screen below the status line (which names the point under the cursor once it moves).
        func plot(_ m: AppModel) -> [Substring] { Array(Explorer.view(m).text.split(separator: "\n").dropFirst()) }
        let first = plot(m)
        #expect(first.joined().unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF })
        let version = m.scatter.pointsVersion
        _ = Explorer.update(&m, .key(.right))
        _ = Explorer.update(&m, .key(.left))
        #expect(m.scatter.pointsVersion == version && plot(m) == first)
        _ = Explorer.update(&m, .key(.char("+")))
        #expect(plot(m) != first)
    }

    /// A density grid counted in parts holds what one count of all the points holds, and its cells are
    /// the direct drawing's; so does the box that grows with the parts.
    @Test func aDensityGridCountedInPartsIsTheGridOfAllThePoints() {
        var rng = SeededRNG(seed: 4)
        let points = (0..<30_000).map { _ in (rng.nextNormal(), 2 * rng.nextNormal()) }
        let classes = (0..<30_000).map { $0 % 7 }
        let bounds = ScatterRaster.Bounds.fitting(points)
        let colour: (Int) -> RGB = { Tab10.color($0) }
        for include in [nil, { classes[$0] != 3 }] as [((Int) -> Bool)?] {
            var grid = ScatterRaster.DensityGrid(columns: 50, rows: 20, classCount: 7, bounds: bounds)
            var extent = ScatterRaster.Extent()
            for (part, (start, end)) in [(0, 1), (1, 999), (999, 20_000), (20_000, 30_000)].enumerated() {
                grid.count(Array(points[..<end]), classes: classes, include: include)
                extent.include(points[start..<end])
                #expect(grid.counted == end && grid.parts == part + 1)
                #expect(grid.cells(color: colour) == ScatterRaster.densityCells(points: Array(points[..<end]), classes: classes, classCount: 7,
                                                                                 include: include, color: colour, columns: 50, rows: 20, bounds: bounds))
                #expect(extent.padded(margin: ScatterRaster.Bounds.plotMargin) == ScatterRaster.Bounds.fitting(Array(points[..<end])))
            }
        }
    }

    /// While a large data set is encoded, each part is counted on to the kept density plot (the frame
    /// does not count a million points again), and the plot is exactly what drawing every point shows,
    /// through hidden classes, zooms and parts that widen the bounds.
    @Test func aGrowingPlotCountsOnlyEachNewPartAndDrawsWhatAllItsPointsDraw() {
        var rng = SeededRNG(seed: 12)
        let n = 60_000
        let mus = (0..<n).map { i -> [Float] in
            // Four corners in the first part hold every later point within its bounds (a disc of radius
            // 3.5; after the PCA's turn too), but one far point that widens them in a later part.
            if i < 4 { return [i % 2 == 0 ? -4 : 4, i < 2 ? -4 : 4, 0, 0] }
            if i == 45_678 { return [12, 0, 0, 0] }
            let x = rng.nextNormal(), y = rng.nextNormal(), r = (x * x + y * y).squareRoot()
            let shrink = r > 3.5 ? 3.5 / r : 1
            return [x * shrink, y * shrink, 0, 0]
        }
        let labels = (0..<n).map { $0 % 10 }
        var stream = StreamedScatter(labels: labels, interval: 0, slowing: 0)
        var m = makeModel()
        m.vae = VAEState(latentDim: 4, classCount: 0)
        m.datasetProgress = 0.1
        while m.vae.panel != .scatter { _ = Explorer.update(&m, .key(.tab)) }
        func direct(_ m: AppModel) -> [Cell] {
            let s = m.scatter, plot = Explorer.scatterPlot(m)
            return ScatterRaster.densityCells(points: s.points, classes: s.labels, classCount: 10,
                                              include: { !s.hidden.contains(s.labels[$0]) }, color: { Tab10.color($0) },
                                              columns: plot.width, rows: plot.height, bounds: s.bounds)
        }
        var countedOn = 0
        for (i, end) in stride(from: 25_000, through: n, by: 5_000).enumerated() {
            let start = m.scatter.pcaPoints.count
            guard let part = stream.add(mus[start..<end]) else { Issue.record("no part"); return }
            let before = m.scatter.bounds
            _ = Explorer.update(&m, part)
            if i == 3 { _ = Explorer.update(&m, .key(.char("4"))) }  // hide a class between parts
            if i == 6 { _ = Explorer.update(&m, .key(.char("+"))) }  // zoom in
            let cells = Explorer.plotCells(m, plot: Explorer.scatterPlot(m), bounds: m.scatter.bounds)
            #expect(cells == direct(m), "after the part ending at \(end)")
            let grid = m.scatter.caches.keptGrid
            #expect(grid?.counted == end)
            // The bounds that stay while parts come still hold every point.
            #expect(m.scatter.dataBounds.contains(ScatterRaster.Bounds.fitting(m.scatter.pcaPoints, margin: 0)))
            if start > 0, m.scatter.bounds == before, i != 3, i != 6 {
                // Same view, more points: the kept grid was counted on (one count more), not counted anew.
                countedOn += 1
                #expect((grid?.parts ?? 0) > 1, "the part ending at \(end) was counted with all the points")
            }
        }
        #expect(countedOn >= 4, "only \(countedOn) parts were counted on to the kept plot")
        // Hidden classes and the zoom drew anew; what they show is still the direct drawing.
        #expect(m.scatter.hidden == [4] && m.scatter.zoom > 1)
        // The far point's part widened them; the final PCA's scatter fits its points exactly again.
        #expect(m.scatter.dataBounds.maxX > 10 || m.scatter.dataBounds.minX < -10 || m.scatter.dataBounds.maxY > 10 || m.scatter.dataBounds.minY < -10)
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: labels))
        #expect(m.scatter.dataBounds == ScatterRaster.Bounds.fitting(m.scatter.pcaPoints))
    }

    /// The slider ranges' percentiles, found by selection over a million latents' sample, are the
    /// values sorting gives (ties and sizes down to one value included).
    @Test func selectedPercentilesAreTheSortedOnes() {
        var rng = SeededRNG(seed: 3)
        for n in [1, 2, 3, 10, 201, 1000, 100_000] {
            let values = (0..<n).map { _ in (rng.nextNormal() * 4).rounded() / 4 }  // many ties
            let sorted = values.sorted()
            for k in Set([0, n / 200, n / 2, n - 1 - n / 200, n - 1]) {
                var v = values
                #expect(Explorer.orderStatistic(&v, k) == sorted[k], "n \(n), k \(k)")
            }
        }
    }

    /// An opened image's nearest data latents: at once for a small data set, from the background for a
    /// large one (the frame does not wait for a pass over a million latents), and only for that image.
    @Test func neighboursOfALargeDataSetArriveFromTheBackground() {
        for (n, later) in [(2_000, false), (Explorer.neighboursInFrameLimit, true)] {
            var m = makeModel()
            m.vae = VAEState(latentDim: 4, classCount: 0)
            let (mus, labels) = Self.clusters(n)
            _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: labels))
            let encoded = EncodedImage(index: 17, label: labels[17], original: ring(), mu: mus[17], sigma: [1, 1, 1, 1])
            let commands = Explorer.update(&m, .imageEncoded(encoded, reconstruction: ring()))
            let expected = Explorer.nearestData(mus, to: mus[17], excluding: 17)
            #expect(commands.contains(.findNeighbours(index: 17, z: mus[17])) == later)
            #expect(m.vae.neighbours.isEmpty == later)
            if later {
                _ = Explorer.update(&m, .neighboursFound(index: 3, expected))  // for an image no longer shown
                #expect(m.vae.neighbours.isEmpty)
                _ = Explorer.update(&m, .neighboursFound(index: 17, expected))
            }
            #expect(m.vae.neighbours.map(\.index) == expected.map(\.index) && expected.count == 5 && !expected.contains { $0.index == 17 })
        }
    }
}
