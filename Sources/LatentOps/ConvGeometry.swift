import CKernels
import LatentCore

/// The geometry of a 2-D convolution window sliding over an image, shared by `Convolution` (forward:
/// im2col) and `TransposedConvolution` (forward: col2im), whose data movements are each other's adjoints.
package struct ConvGeometry {
    package let channels: Int, height: Int, width: Int       // the image side
    package let kernelHeight: Int, kernelWidth: Int
    package let strideH: Int, strideW: Int
    /// Zeros added before the first row and column (the far sides only change the output size).
    package let padTop: Int, padLeft: Int
    package let dilationH: Int, dilationW: Int
    package let outHeight: Int, outWidth: Int                // the window-position side
    /// Elements from one image to the next: C·H·W, or more when the channels are one group of a
    /// grouped convolution.
    package let imageStride: Int

    package init(channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
         padTopLeft: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), outHeight: Int, outWidth: Int, imageStride: Int? = nil) {
        self.channels = channels
        self.height = height
        self.width = width
        (kernelHeight, kernelWidth) = kernel
        (strideH, strideW) = stride
        (padTop, padLeft) = padTopLeft
        (dilationH, dilationW) = dilation
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.imageStride = imageStride ?? channels * height * width
    }

    /// A square window with the same stride and padding on both axes (the native layers').
    package init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int, outHeight: Int, outWidth: Int) {
        self.init(channels: channels, height: height, width: width, kernel: (kernel, kernel), stride: (stride, stride),
                  padTopLeft: (padding, padding), outHeight: outHeight, outWidth: outWidth)
    }

    package var patchSize: Int { channels * kernelHeight * kernelWidth }
    package var positions: Int { outHeight * outWidth }

    /// Output extent of a convolution along one axis (total padding `pads`, both sides together).
    package static func convOutput(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        convOutput(size, kernel: kernel, stride: stride, pads: 2 * padding, dilation: 1)
    }

    package static func convOutput(_ size: Int, kernel: Int, stride: Int, pads: Int, dilation: Int) -> Int {
        (size + pads - dilation * (kernel - 1) - 1) / stride + 1
    }

    /// True for a 1×1, stride-1, unpadded window over whole images: im2col is then only a
    /// (N, C, P) → (C, N·P) permutation.
    package var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0
            && outHeight == height && outWidth == width && imageStride == channels * height * width
    }

    /// im2col of the images in `images` of the batch at `x` alone: cols (C·k·k, images.count·OH·OW), one
    /// chunk of a batch (see `BatchChunks`).
    package func im2col(_ x: UnsafePointer<Float>, images: Range<Int>, into cols: UnsafeMutablePointer<Float>) {
        if isPointwise {
            permuteBatchToChannelMajor(x + images.lowerBound * imageStride, n: images.count, c: channels, p: positions, into: cols)
            return
        }
        im2col(x, images: images, firstColumnImage: images.lowerBound, ld: images.count * positions, into: cols)
    }

    /// im2col for the images in `images` only, image b's columns starting at column (b − firstColumnImage)·OH·OW
    /// of rows `ld` apart; slices write disjoint column ranges.
    private func im2col(_ x: UnsafePointer<Float>, images: Range<Int>, firstColumnImage: Int, ld: Int,
                        into cols: UnsafeMutablePointer<Float>) {
        var g = kernelGeometry
        ck_im2col(&g, x, images.lowerBound, images.count, firstColumnImage, ld, cols)
    }

    /// The adjoint of `im2col` (`x` zeroed, or holding values to accumulate onto): cols (C·k·k, images.count·OH·OW) added into those images of `x`.
    package func col2im(_ cols: UnsafePointer<Float>, images: Range<Int>, into x: UnsafeMutablePointer<Float>) {
        if isPointwise {
            let ld = images.count * positions
            for b in images {
                for c in 0..<channels {
                    let dst = x + b * imageStride + c * positions, src = cols + c * ld + (b - images.lowerBound) * positions
                    for i in 0..<positions { dst[i] += src[i] }
                }
            }
            return
        }
        col2im(cols, images: images, firstColumnImage: images.lowerBound, ld: images.count * positions, into: x)
    }

    /// col2im for the images in `images` only (columns laid out as `im2col` lays them); slices write disjoint images.
    private func col2im(_ cols: UnsafePointer<Float>, images: Range<Int>, firstColumnImage: Int, ld: Int,
                        into x: UnsafeMutablePointer<Float>) {
        var g = kernelGeometry
        ck_col2im(&g, cols, images.lowerBound, images.count, firstColumnImage, ld, x)
    }

    /// This geometry as the C kernels take it.
    private var kernelGeometry: ck_conv_geometry {
        ck_conv_geometry(channels: channels, height: height, width: width, kernelH: kernelHeight, kernelW: kernelWidth,
                         strideH: strideH, strideW: strideW, padTop: padTop, padLeft: padLeft,
                         dilationH: dilationH, dilationW: dilationW, outH: outHeight, outW: outWidth, imageStride: imageStride)
    }
}

/// A Float buffer whose every element the caller overwrites (GEMM with beta = 0, a permutation):
/// skipping the zero fill saves a memset per layer per batch.
@inline(__always)
package func uninitializedFloats(_ count: Int) -> [Float] {
    Tensor.uninitialized(shape: [count]).data
}

/// (N, C, P) ↔ (C, N·P): the channel-major layout GEMM produces and NCHW expects. `imageStride`: elements
/// from one image to the next on the NCHW side (C·P, or more when the C channels are one group of many).
package func permuteBatchToChannelMajor(_ x: UnsafePointer<Float>, n: Int, c: Int, p: Int, imageStride: Int? = nil,
                                        into out: UnsafeMutablePointer<Float>) {
    let stride = imageStride ?? c * p
    for b in 0..<n {
        for ch in 0..<c {
            (out + ch * n * p + b * p).update(from: x + b * stride + ch * p, count: p)
        }
    }
}

package func permuteChannelMajorToBatch(_ x: UnsafePointer<Float>, n: Int, c: Int, p: Int, imageStride: Int? = nil,
                                        into out: UnsafeMutablePointer<Float>) {
    let stride = imageStride ?? c * p
    for b in 0..<n {
        for ch in 0..<c {
            (out + b * stride + ch * p).update(from: x + ch * n * p + b * p, count: p)
        }
    }
}
