import LatentCore

/// The geometry of a 2-D convolution window sliding over an image, shared by Conv2d (forward: im2col)
/// and ConvTranspose2d (forward: col2im), whose data movements are each other's adjoints.
struct ConvGeometry {
    let channels: Int, height: Int, width: Int       // the image side
    let kernel: Int, stride: Int, padding: Int
    let outHeight: Int, outWidth: Int                // the window-position side

    var patchSize: Int { channels * kernel * kernel }
    var positions: Int { outHeight * outWidth }

    /// Output extent of a convolution along one axis.
    static func convOutput(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }

    /// True for a 1×1, stride-1, unpadded window: im2col is then only a (N, C, P) → (C, N·P) permutation.
    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// The window positions `ow` whose input column `ow·stride − padding + kj` lies inside the image.
    @inline(__always)
    private func validColumns(_ kj: Int) -> Range<Int> {
        // ow·s ≥ p − kj  and  ow·s ≤ W − 1 + p − kj
        let lo = max(0, (padding - kj + stride - 1) / stride)
        let hiInclusive = (width - 1 + padding - kj)
        let hi = hiInclusive < 0 ? 0 : min(outWidth, hiInclusive / stride + 1)
        return lo..<max(lo, hi)
    }

    /// Batched im2col: image (N, C, H, W) → cols (C·k·k, N·OH·OW), one column per window position, so a
    /// whole batch is one large GEMM (which BLAS threads well) instead of N small ones.
    func im2col(_ x: UnsafePointer<Float>, batch n: Int, into cols: UnsafeMutablePointer<Float>) {
        if isPointwise {
            permuteBatchToChannelMajor(x, n: n, c: channels, p: positions, into: cols)
            return
        }
        forEachBatchSlice(n) { im2col(x, batch: n, images: $0, into: cols) }
    }

    /// im2col for the images in `images` only; slices write disjoint column ranges.
    private func im2col(_ x: UnsafePointer<Float>, batch n: Int, images: Range<Int>, into cols: UnsafeMutablePointer<Float>) {
        let ld = n * positions
        let imageSize = channels * height * width
        for c in 0..<channels {
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let row = cols + ((c * kernel + ki) * kernel + kj) * ld
                    let valid = validColumns(kj)
                    let offset = valid.lowerBound * stride - padding + kj
                    for b in images {
                        let img = x + b * imageSize + c * height * width
                        let out = row + b * positions
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + ki
                            let dst = out + oh * outWidth
                            guard ih >= 0 && ih < height, !valid.isEmpty else {
                                dst.update(repeating: 0, count: outWidth)
                                continue
                            }
                            if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
                            let src = img + ih * width + offset
                            if stride == 1 {
                                (dst + valid.lowerBound).update(from: src, count: valid.count)
                            } else {
                                let d = dst + valid.lowerBound
                                for t in 0..<valid.count { d[t] = src[t * stride] }
                            }
                            if valid.upperBound < outWidth {
                                (dst + valid.upperBound).update(repeating: 0, count: outWidth - valid.upperBound)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds every column entry back into the image position it came from.
    /// `x` must be zeroed (or hold values to accumulate onto).
    func col2im(_ cols: UnsafePointer<Float>, batch n: Int, into x: UnsafeMutablePointer<Float>) {
        let ld = n * positions
        let imageSize = channels * height * width
        if isPointwise {
            for b in 0..<n {
                for c in 0..<channels {
                    let dst = x + b * imageSize + c * positions, src = cols + c * ld + b * positions
                    for i in 0..<positions { dst[i] += src[i] }
                }
            }
            return
        }
        forEachBatchSlice(n) { col2im(cols, batch: n, images: $0, into: x) }
    }

    /// col2im for the images in `images` only; slices write disjoint images.
    private func col2im(_ cols: UnsafePointer<Float>, batch n: Int, images: Range<Int>, into x: UnsafeMutablePointer<Float>) {
        let ld = n * positions
        let imageSize = channels * height * width
        for c in 0..<channels {
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let row = cols + ((c * kernel + ki) * kernel + kj) * ld
                    let valid = validColumns(kj)
                    guard !valid.isEmpty else { continue }
                    let offset = valid.lowerBound * stride - padding + kj
                    for b in images {
                        let img = x + b * imageSize + c * height * width
                        let src = row + b * positions
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + ki
                            guard ih >= 0 && ih < height else { continue }
                            let dst = img + ih * width + offset
                            let s = src + oh * outWidth
                            let sv = s + valid.lowerBound
                            for t in 0..<valid.count { dst[t * stride] += sv[t] }
                        }
                    }
                }
            }
        }
    }
}

/// Splits a batch into one slice per compute thread and runs `body` on the slices in parallel (inline
/// for one thread or a small batch). The data movement around each GEMM is memory-bound scalar work;
/// left on one core it caps the two-thread speed-up of convolutional training.
func forEachBatchSlice(_ n: Int, _ body: (Range<Int>) -> Void) {
    parallelRanges(n, threads: n >= 8 ? ComputeThreads.current : 1, body)
}

/// A Float buffer whose every element the caller overwrites (GEMM with beta = 0, a permutation):
/// skipping the zero fill saves a memset per layer per batch.
@inline(__always)
func uninitializedFloats(_ count: Int) -> [Float] {
    Tensor.uninitialized(shape: [count]).data
}

/// (N, C, P) ↔ (C, N·P): the channel-major layout GEMM produces and NCHW expects.
func permuteBatchToChannelMajor(_ x: UnsafePointer<Float>, n: Int, c: Int, p: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        for ch in 0..<c {
            (out + ch * n * p + b * p).update(from: x + (b * c + ch) * p, count: p)
        }
    }
}

func permuteChannelMajorToBatch(_ x: UnsafePointer<Float>, n: Int, c: Int, p: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        for ch in 0..<c {
            (out + (b * c + ch) * p).update(from: x + ch * n * p + b * p, count: p)
        }
    }
}
