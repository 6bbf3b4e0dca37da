@testable import LatentIO
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\u00e9\n\ud83d\ude00"}} "#)
        #expect(v["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(v["b"]?["c"]?.string == "xé\n😀")
        #expect(v["a"]?.array?[0].nonNegativeInt == 1)
        #expect(v["a"]?.array?[1].nonNegativeInt == nil)
        #expect(v["a"]?.array?[1].double == -2500)
    }

    @Test func keepsLargeIntegersExact() throws {
        #expect(try JSONParser.parse("9007199254740993").nonNegativeInt == 9_007_199_254_740_993)
        #expect(try JSONParser.parse("99999999999999999999999").nonNegativeInt == nil)  // overflows Int
    }

    @Test func serializesAndReparses() throws {
        let text = #"{"k":["a\"b\\c\u0001",1,{"z":null}],"e":{}}"#
        let v = try JSONParser.parse(text)
        #expect(v.serialized == text)
        #expect(try JSONParser.parse(v.serialized) == v)
    }

    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", "duplicate key 'a'"),
        ("[1,]", "unexpected character ']'"),
        ("01", "unexpected text after the JSON value"),
        ("\"abc", "unterminated string"),
        ("\"\\ud800\"", "unpaired surrogate"),
        ("\"\\q\"", "invalid escape"),
        ("tru", "invalid literal"),
        ("{\"a\" 1}", "expected ':'"),
        (String(repeating: "[", count: 100), "nested deeper than 64"),
        ("", "unexpected end of JSON"),
        ("-", "invalid number"),
        ("\"a\u{01}\"", "control character"),
    ])
    func rejectsInvalidJSON(_ text: String, _ fragment: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.reason.contains(fragment), "\(text): \(error)")
        }
    }
}
