import LatentCore
@testable import LatentOps
import Testing

/// im2col and col2im must move exactly what the definition says, for every window their fast paths
/// take (stride 1 rows, stride-2 rows from the split columns, the gather table of other strides), with
/// odd and even bordered widths, dilation, uneven padding, rows of 1 to 9 floats, and a run of images
/// that starts past the first.
@Suite struct ConvGeometryTests {
    @Test(arguments: [
        // (c, h, w, kh, kw, sh, sw, padTop, padLeft, padBottom, padRight, dh, dw)
        (2, 14, 14, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1),   // the digits' 4×4 stride-2 layers
        (3, 28, 28, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1),   // a 14-wide output
        (2, 9, 11, 3, 3, 2, 2, 1, 0, 0, 2, 1, 1),    // odd bordered widths, uneven padding
        (2, 10, 13, 3, 2, 1, 2, 0, 1, 1, 0, 2, 2),   // dilated across a stride-2 row
        (1, 5, 6, 2, 3, 2, 2, 0, 0, 0, 0, 1, 1),     // 2- and 3-wide rows
        (2, 12, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),   // stride 1
        (2, 12, 17, 3, 3, 3, 3, 2, 1, 0, 1, 1, 1),   // stride 3: the table
        (2, 8, 20, 1, 2, 1, 2, 0, 1, 0, 1, 1, 1),    // a 10-wide row
    ])
    func im2colAndCol2imMatchTheirDefinition(_ s: (c: Int, h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int, pt: Int, pl: Int,
                                                    pb: Int, pr: Int, dh: Int, dw: Int)) {
        let conv = Convolution(kernel: (s.kh, s.kw), stride: (s.sh, s.sw), dilation: (s.dh, s.dw), pads: (s.pt, s.pl, s.pb, s.pr))
        let n = 5, images = 1..<4
        let g = conv.geometry(input: [n, s.c, s.h, s.w])
        let (oh, ow, p) = (g.outHeight, g.outWidth, g.positions)
        var rng = SeededRNG(seed: 7)
        let x = Tensor.randomNormal(shape: [n, s.c, s.h, s.w], using: &rng)
        let columns = images.count * p
        // Every tap of every window: (the input element it reads, the column entry it fills), in
        // image, channel, kernel offset, output position order.
        func taps(_ visit: (_ source: Int, _ entry: Int) -> Void) {
            for b in images {
                for c in 0..<s.c {
                    for ki in 0..<s.kh {
                        for kj in 0..<s.kw {
                            for i in 0..<oh {
                                for j in 0..<ow {
                                    let r = i * s.sh - s.pt + ki * s.dh, col = j * s.sw - s.pl + kj * s.dw
                                    guard r >= 0 && r < s.h && col >= 0 && col < s.w else { continue }
                                    visit(((b * s.c + c) * s.h + r) * s.w + col,
                                          ((c * s.kh + ki) * s.kw + kj) * columns + (b - images.lowerBound) * p + i * ow + j)
                                }
                            }
                        }
                    }
                }
            }
        }
        var expected = [Float](repeating: 0, count: g.patchSize * columns)
        taps { source, entry in expected[entry] = x.data[source] }
        var cols = [Float](repeating: .nan, count: g.patchSize * columns)
        x.data.withUnsafeBufferPointer { xb in cols.withUnsafeMutableBufferPointer { g.im2col(xb.baseAddress!, images: images, into: $0.baseAddress!) } }
        #expect(cols == expected)

        // col2im adds each column entry onto its source position, in kernel-offset order, onto what
        // the images hold; the other images are untouched.
        let d = Tensor.randomNormal(shape: [g.patchSize, columns], using: &rng)
        var reference = x.data.map(Double.init)
        taps { source, entry in reference[source] += Double(d.data[entry]) }
        var y = x.data
        d.data.withUnsafeBufferPointer { db in y.withUnsafeMutableBufferPointer { g.col2im(db.baseAddress!, images: images, into: $0.baseAddress!) } }
        let worst = zip(y, reference).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 1e-5, "col2im is \(worst) off")
        let plane = s.c * s.h * s.w
        #expect(y[0..<plane] == x.data[0..<plane] && y[4 * plane..<5 * plane] == x.data[4 * plane..<5 * plane])
    }
}
