import LatentCore
@testable import LatentIO
import Testing

@Suite struct CSVMatrixTests {
    func parse(_ text: String) throws -> Tensor { try CSVMatrix.decode(Array(text.utf8), source: "m.csv") }

    @Test func readsRowsWithOrWithoutAHeader() throws {
        #expect(try parse("1,2,3\n4,5,6\n") == Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]))
        #expect(try parse("x,y\r\n0.5,-1e2\r\n\r\n3,4") == Tensor(shape: [2, 2], data: [0.5, -100, 3, 4]))
        #expect(try parse("1;2\n3;4").shape == [2, 2])
        #expect(try parse("1 2\t3\n").shape == [1, 3])
    }

    @Test func raggedRowsNameTheLine() {
        #expect(formatErrorMessage { _ = try parse("1,2,3\n4,5\n") } == "line 2 has 2 values, expected 3 as on line 1")
    }

    @Test func nonNumbersAndNonFiniteValuesAreRefused() {
        #expect(formatErrorMessage { _ = try parse("1,2\n3,abc\n") } == "line 2, column 2: 'abc' is not a number")
        #expect(formatErrorMessage { _ = try parse("1,nan\n") } == "line 1, column 2: 'nan' is not a finite number")
        #expect(formatErrorMessage { _ = try parse("a,b\nc,d\n") } == "line 2, column 1: 'c' is not a number")
        #expect(formatErrorMessage { _ = try parse("") } == "empty file")
        #expect(formatErrorMessage { _ = try parse("x,y\n") } == "no numeric rows")
    }
}
