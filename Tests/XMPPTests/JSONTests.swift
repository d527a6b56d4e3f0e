import Testing
@testable import NudgeXMPP

@Suite struct JSONTests {
    @Test(arguments: [
        ("null", JSON.null),
        (" true ", true),
        ("false", false),
        ("0", 0),
        ("-0", 0),
        ("42", 42),
        ("-17", -17),
        ("3.25", 3.25),
        ("1e3", 1000),
        ("1E+3", 1000),
        ("25e-1", 2.5),
        ("-0.5e0", -0.5),
        ("\"\"", ""),
        ("\"hi\"", "hi"),
        ("[]", []),
        ("{}", [:]),
        ("[1, \"a\", null, [true]]", [1, "a", nil, [true]]),
        ("{\"a\": {\"b\": [1, 2]}, \"c\": \"d\"}", ["a": ["b": [1, 2]], "c": "d"]),
        ("\n\t\r {\"k\" :1 }\n", ["k": 1]),
        ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\u{8}\u{C}\n\r\t"),
        ("\"\\u0041\\u00e9\\u4E2D\"", "Aé中"),
        ("\"\\ud83d\\ude00\"", "😀"),
        ("\"raw 😀 é\"", "raw 😀 é"),
        ("\"\\u0000\"", "\u{0}"),
    ] as [(String, JSON)])
    func parses(text: String, expected: JSON) throws {
        #expect(try JSON.parse(text) == expected)
    }

    @Test(arguments: [
        ("", "line 1, column 1: unexpected end of input, expected a JSON value"),
        ("   ", "line 1, column 4: unexpected end of input, expected a JSON value"),
        ("[1,]", "line 1, column 4: unexpected ']', expected a JSON value"),
        ("{\"a\":1,}", "line 1, column 8: expected a string key, found '}'"),
        ("{\"a\" 1}", "line 1, column 6: expected ':' after key \"a\", found '1'"),
        ("{a:1}", "line 1, column 2: expected a string key, found 'a'"),
        ("[1 2]", "line 1, column 4: expected ',' or ']', found '2'"),
        ("{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3}", "line 4, column 3: expected ',' or '}', found '\"'"),
        ("{\"a\":1", "line 1, column 7: expected ',' or '}', found end of input"),
        ("// comment\n1", "line 1, column 1: unexpected '/', expected a JSON value"),
        ("1 /* c */", "line 1, column 3: unexpected '/' after the JSON value"),
        ("tru", "line 1, column 1: unexpected 't', expected a JSON value"),
        ("nul1", "line 1, column 1: unexpected 'n', expected a JSON value"),
        ("True", "line 1, column 1: unexpected 'T', expected a JSON value"),
        ("1 2", "line 1, column 3: unexpected '2' after the JSON value"),
        ("01", "line 1, column 1: leading zeros are not allowed"),
        ("-", "line 1, column 2: expected a digit after '-', found end of input"),
        ("-a", "line 1, column 2: expected a digit after '-', found 'a'"),
        ("+1", "line 1, column 1: unexpected '+', expected a JSON value"),
        (".5", "line 1, column 1: unexpected '.', expected a JSON value"),
        ("1.", "line 1, column 3: expected a digit after '.', found end of input"),
        ("1.e5", "line 1, column 3: expected a digit after '.', found 'e'"),
        ("1e", "line 1, column 3: expected a digit in the exponent, found end of input"),
        ("1e+", "line 1, column 4: expected a digit in the exponent, found end of input"),
        ("1e400", "line 1, column 1: number 1e400 is out of range"),
        ("NaN", "line 1, column 1: unexpected 'N', expected a JSON value"),
        ("\"abc", "line 1, column 1: unterminated string"),
        ("\"a\nb\"", "line 1, column 3: unescaped control character U+000A in string"),
        ("\"\\x\"", "line 1, column 2: invalid escape character 'x'"),
        ("\"\\u12G4\"", "line 1, column 2: invalid \\u escape: expected four hex digits"),
        ("\"\\u12\"", "line 1, column 2: invalid \\u escape: expected four hex digits"),
        ("\"\\ud83d\"", "line 1, column 2: unpaired surrogate \\uD83D"),
        ("\"\\ud83dx\"", "line 1, column 2: unpaired surrogate \\uD83D"),
        ("\"\\ud83d\\u0041\"", "line 1, column 2: unpaired surrogate \\uD83D"),
        ("\"\\ude00\"", "line 1, column 2: unpaired surrogate \\uDE00"),
        ("{\"x\": 1, \"x\": 2}", "line 1, column 10: duplicate key \"x\""),
        ("[{\"a\\n\": 1, \"a\\n\": 1}]", "line 1, column 13: duplicate key \"a\\u000a\""),
        ("é", "line 1, column 1: unexpected 'é', expected a JSON value"),
        ("[\"é\" x]", "line 1, column 6: expected ',' or ']', found 'x'"),
        ("\u{7}", "line 1, column 1: unexpected U+0007, expected a JSON value"),
    ])
    func rejects(text: String, message: String) {
        #expect(throws: JSONError(message)) { try JSON.parse(text) }
    }

    @Test func limitsNestingTo64Levels() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSON.parse(deepest) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONError("line 1, column 65: nesting deeper than 64 levels")) { try JSON.parse(tooDeep) }
        let objects = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(throws: JSONError("line 1, column 321: nesting deeper than 64 levels")) { try JSON.parse(objects) }
        // Very deep input fails fast instead of exhausting the stack.
        #expect(throws: JSONError.self) { try JSON.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test func serializesCompactlyInInsertionOrder() {
        var object = JSONObject()
        object["z"] = 1
        object["a"] = [true, nil, 2.5, "s"]
        object["m"] = ["nested": [:]]
        #expect(JSON.object(object).serialized() == #"{"z":1,"a":[true,null,2.5,"s"],"m":{"nested":{}}}"#)
        object["z"] = nil
        object["b"] = -3
        object["a"] = "replaced"
        #expect(object.keys == ["a", "m", "b"])
        #expect(JSON.object(object).serialized() == #"{"a":"replaced","m":{"nested":{}},"b":-3}"#)
        #expect(object["m"]?["nested"] == [:])
    }

    /// Objects past 16 keys look their keys up in an index, smaller ones
    /// by search: both answer alike, across the change and after removals.
    @Test func largeObjectsFindTheirKeysLikeSmallOnes() throws {
        var object = JSONObject()
        let keys = (0..<40).map { "k\($0)" }
        for (i, key) in keys.enumerated() {
            object[key] = .number(Double(i))
            #expect(object[key] == .number(Double(i)))
            #expect(object["k0"] == 0)
        }
        object["k3"] = nil
        object["k20"] = nil
        object["k5"] = "five"
        object["late"] = true
        #expect(object.keys == keys.filter { $0 != "k3" && $0 != "k20" } + ["late"])
        #expect(object["k3"] == nil && object["k20"] == nil)
        #expect(object["k21"] == 21 && object["k5"] == "five" && object["late"] == true)
        let text = "{" + (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        #expect(try JSON.parse(text + "}").objectValue?["k19"] == 19)
        #expect(throws: JSONError.self) { try JSON.parse(text + ", \"k18\": 0}") }
        #expect(throws: JSONError.self) { try JSON.parse(text + ", \"k2\": 0}") }
    }

    @Test(arguments: [
        (JSON.number(0), "0"),
        (-0.0, "0"),
        (1, "1"),
        (-42, "-42"),
        (9_007_199_254_740_992, "9007199254740992"),
        (-9_007_199_254_740_992, "-9007199254740992"),
        (9_007_199_254_740_994, "9.007199254740994e+15"),
        (1e100, "1e+100"),
        (0.1, "0.1"),
        (2.5, "2.5"),
        (-1.5e-7, "-1.5e-07"),
        (.number(.infinity), "null"),
        (.number(.nan), "null"),
    ] as [(JSON, String)])
    func formatsNumbers(value: JSON, text: String) {
        #expect(value.serialized() == text)
    }

    @Test func escapesStrings() throws {
        let value = JSON.string("q\"b\\s/\u{0}\u{1}\u{8}\t\n\u{C}\r\u{1F}\u{7F}é😀")
        let text = value.serialized()
        #expect(text == #""q\"b\\s/\u0000\u0001\u0008\u0009\u000a\u000c\u000d\u001f"# + "\u{7F}é😀\"")
        #expect(try JSON.parse(text) == value)
    }

    @Test func randomValuesSurviveARoundTrip() throws {
        var random = SeededGenerator(seed: 0x150A)
        for _ in 0..<300 {
            let value = randomJSON(depth: 0, using: &random)
            let text = value.serialized()
            let parsed = try JSON.parse(text)
            #expect(parsed == value, "\(text)")
            #expect(parsed.serialized() == text)
        }
    }

    @Test func accessorsReturnValuesOfTheirKindOnly() throws {
        let value = try JSON.parse(#"{"s":"x","b":true,"n":2,"f":2.5,"big":1e300,"a":[1],"o":{},"z":null}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["s"]?.intValue == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.intValue == 2)
        #expect(value["n"]?.doubleValue == 2)
        #expect(value["f"]?.intValue == nil)
        #expect(value["f"]?.doubleValue == 2.5)
        #expect(value["big"]?.intValue == nil)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["o"]?.objectValue == JSONObject())
        #expect(value["z"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["x"] == nil)
        #expect(value.objectValue?.count == 8)
        #expect(value.objectValue?.map(\.key) == ["s", "b", "n", "f", "big", "a", "o", "z"])
    }

    @Test func objectEqualityIgnoresOrder() throws {
        #expect(try JSON.parse(#"{"a":1,"b":2}"#) == ["b": 2, "a": 1])
        #expect(try JSON.parse(#"{"a":1,"b":2}"#) != ["a": 1, "b": 3])
        #expect(try JSON.parse(#"{"a":1}"#) != ["a": 1, "b": 2])
        #expect(try JSON.parse(#"[1,2]"#) != [2, 1])
    }

    private func randomString(using random: inout SeededGenerator) -> String {
        let pieces = ["a", "key", "\"", "\\", "/", "\n", "\u{0}", "\u{1F}", "é", "中", "😀", " ", "\u{2028}"]
        return (0..<Int.random(in: 0...5, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    private func randomJSON(depth: Int, using random: inout SeededGenerator) -> JSON {
        switch Int.random(in: 0..<(depth < 4 ? 8 : 5), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &random)))
        case 3:
            let mantissa = Double.random(in: -1e6...1e6, using: &random)
            return .number(mantissa * pow10(Int.random(in: -20...20, using: &random)))
        case 4: return .string(randomString(using: &random))
        case 5:
            let count = Int.random(in: 0...4, using: &random)
            return .array((0..<count).map { _ in randomJSON(depth: depth + 1, using: &random) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                object[randomString(using: &random)] = randomJSON(depth: depth + 1, using: &random)
            }
            return .object(object)
        }
    }

    private func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}
