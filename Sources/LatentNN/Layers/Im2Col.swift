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

    /// Batched im2col: image (N, C, H, W) → cols (C·k·k, N·OH·OW), one column per window position, so a
    /// whole batch is one large GEMM (which BLAS threads well) instead of N small ones.
    func im2col(_ x: UnsafePointer<Float>, batch n: Int, into cols: UnsafeMutablePointer<Float>) {
        let ld = n * positions
        let imageSize = channels * height * width
        for c in 0..<channels {
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let row = cols + ((c * kernel + ki) * kernel + kj) * ld
                    for b in 0..<n {
                        let img = x + b * imageSize + c * height * width
                        let out = row + b * positions
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + ki
                            let dst = out + oh * outWidth
                            guard ih >= 0 && ih < height else {
                                dst.update(repeating: 0, count: outWidth)
                                continue
                            }
                            let src = img + ih * width
                            for ow in 0..<outWidth {
                                let iw = ow * stride - padding + kj
                                dst[ow] = (iw >= 0 && iw < width) ? src[iw] : 0
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
        for c in 0..<channels {
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let row = cols + ((c * kernel + ki) * kernel + kj) * ld
                    for b in 0..<n {
                        let img = x + b * imageSize + c * height * width
                        let src = row + b * positions
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + ki
                            guard ih >= 0 && ih < height else { continue }
                            let dst = img + ih * width
                            let s = src + oh * outWidth
                            for ow in 0..<outWidth {
                                let iw = ow * stride - padding + kj
                                if iw >= 0 && iw < width { dst[iw] += s[ow] }
                            }
                        }
                    }
                }
            }
        }
    }
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
