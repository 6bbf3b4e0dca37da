import LatentCore

/// Einsum as the exporters emit it (vector-quantize-pytorch's distances `bnd,kd->bnk`, attention's
/// `bhid,bhjd->bhij`): one operand is a transpose and a sum; two operands are a batched GEMM after
/// putting each operand's axes in (batch, free, contracted) order. Labels repeated within one operand
/// (diagonals) are refused.
extension GraphOps {
    struct EinsumEquation: Sendable {
        /// Each operand's labels as written, "." standing for the ellipsis.
        var operands: [[Character]]
        /// The output's labels; nil when the equation has no "->" (implicit output).
        var output: [Character]?

        init(_ text: String) throws {
            let compact = text.filter { !$0.isWhitespace }
            let sides = compact.components(separatedBy: "->")
            guard sides.count <= 2, let lhs = sides.first, !lhs.isEmpty else { throw GraphError("equation '\(text)' is not an einsum") }
            func labels(_ s: Substring) throws -> [Character] {
                let e = s.replacingOccurrences(of: "...", with: ".")
                guard e.allSatisfy({ $0.isLetter || $0 == "." }), e.filter({ $0 == "." }).count <= 1 else {
                    throw GraphError("equation '\(text)': bad term '\(s)'")
                }
                return Array(e)
            }
            operands = try lhs.split(separator: ",", omittingEmptySubsequences: false).map(labels)
            output = sides.count == 2 ? try labels(Substring(sides[1])) : nil
            guard (1...2).contains(operands.count) else { throw GraphError("equation '\(text)': only one or two operands are supported") }
            for term in operands + [output ?? []] where Set(term).count != term.count {
                throw GraphError("equation '\(text)': a label repeated within one term (a diagonal) is not supported")
            }
        }

        /// The labels with the ellipsis expanded for operands of these ranks (ellipsis axes become
        /// labels "0", "1", …, right-aligned), and the output's labels.
        func expanded(ranks: [Int]) throws -> (operands: [[Character]], output: [Character]) {
            guard ranks.count == operands.count else { throw GraphError("\(operands.count) operand(s) in the equation, \(ranks.count) given") }
            var ellipsisRank = 0
            var terms: [[Character]] = []
            for (term, rank) in zip(operands, ranks) {
                let explicit = term.filter { $0 != "." }.count
                if term.contains(".") {
                    guard rank >= explicit else { throw GraphError("an operand of rank \(rank) for term '\(String(term))'") }
                    ellipsisRank = Swift.max(ellipsisRank, rank - explicit)
                } else {
                    guard rank == explicit else { throw GraphError("an operand of rank \(rank) for term '\(String(term))'") }
                }
            }
            let digits = Array("0123456789")
            guard ellipsisRank <= digits.count else { throw GraphError("an ellipsis over \(ellipsisRank) axes") }
            for (term, rank) in zip(operands, ranks) {
                let own = rank - term.filter { $0 != "." }.count
                terms.append(term.flatMap { $0 == "." ? Array(digits[(ellipsisRank - own)..<ellipsisRank]) : [$0] })
            }
            let all = terms.flatMap { $0 }
            let out: [Character]
            if let output {
                out = output.flatMap { $0 == "." ? Array(digits[0..<ellipsisRank]) : [$0] }
                guard out.allSatisfy(all.contains) else { throw GraphError("an output label that no operand has") }
            } else {
                // Implicit: the ellipsis, then every label used once, alphabetically.
                out = Array(digits[0..<ellipsisRank]) + all.filter { c in c.isLetter && all.filter { $0 == c }.count == 1 }.sorted()
            }
            return (terms, out)
        }
    }

    static let einsum: Compile = { node in
        let equation = try EinsumEquation(try string(node, "equation", ""))
        return { args in
            let values = try (0..<equation.operands.count).map { try float(args, $0) }
            let (terms, out) = try equation.expanded(ranks: values.map(\.rank))
            var extent: [Character: Int] = [:]
            for (t, v) in zip(terms, values) {
                for (c, n) in zip(t, v.shape) {
                    if let e = extent[c], e != n {
                        // A size-1 ellipsis axis broadcasts; anything else must agree.
                        guard c.isNumber, e == 1 || n == 1 else { throw GraphError("label '\(c)' has extents \(e) and \(n)") }
                        extent[c] = Swift.max(e, n)
                    } else { extent[c] = n }
                }
            }
            // Broadcast ellipsis axes of extent 1 up front (rare; an explicit Expand).
            let operands = try zip(terms, values).map { t, v -> Tensor in
                let full = t.map { extent[$0]! }
                return full == v.shape ? v : try binaryFloat(v, Tensor(zeros: full), +)
            }
            if terms.count == 1 { return [.float(try sumAndPermute(operands[0], terms[0], to: out, extent: extent))] }
            let (la, lb) = (terms[0], terms[1])
            // Labels only one side has and the output lacks are summed away first.
            let a = try sumAndPermute(operands[0], la, to: la.filter { lb.contains($0) || out.contains($0) }, extent: extent)
            let b = try sumAndPermute(operands[1], lb, to: lb.filter { la.contains($0) || out.contains($0) }, extent: extent)
            let aLabels = la.filter { lb.contains($0) || out.contains($0) }, bLabels = lb.filter { la.contains($0) || out.contains($0) }
            let batch = out.filter { aLabels.contains($0) && bLabels.contains($0) }
            let contracted = aLabels.filter { bLabels.contains($0) && !out.contains($0) }
            let freeA = aLabels.filter { !bLabels.contains($0) }, freeB = bLabels.filter { !aLabels.contains($0) }
            func size(_ ls: [Character]) -> Int { ls.reduce(1) { $0 * extent[$1]! } }
            let (bt, m, k, n) = (size(batch), size(freeA), size(contracted), size(freeB))
            let a3 = try sumAndPermute(a, aLabels, to: batch + freeA + contracted, extent: extent).reshaped([bt, m, k])
            let b3 = try sumAndPermute(b, bLabels, to: batch + contracted + freeB, extent: extent).reshaped([bt, k, n])
            let product = try matmul(a3, b3).reshaped((batch + freeA + freeB).map { extent[$0]! })
            return [.float(try sumAndPermute(product, batch + freeA + freeB, to: out, extent: extent))]
        }
    }

    /// `x` (axes labelled `from`) summed over the labels `to` lacks, then transposed to `to`'s order.
    static func sumAndPermute(_ x: Tensor, _ from: [Character], to: [Character], extent: [Character: Int]) throws -> Tensor {
        var t = x, labels = from
        let gone = Set(from.indices.filter { !to.contains(from[$0]) })
        if !gone.isEmpty {
            t = reduce(t, axes: gone, keep: false, .sum)
            labels = from.enumerated().filter { !gone.contains($0.offset) }.map(\.element)
        }
        guard labels != to else { return t }
        let perm = try to.map { c -> Int in
            guard let i = labels.firstIndex(of: c) else { throw GraphError("label '\(c)' is missing") }
            return i
        }
        return try transpose(.float(t), perm: perm).floats()
    }
}
