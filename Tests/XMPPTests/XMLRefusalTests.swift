import Testing
@testable import NudgeXMPP

@Suite struct XMLRefusalTests {
    private func refusal(_ xml: String, limits: XMLLimits = XMLLimits()) -> XMLError? {
        do {
            _ = try XMLParser.parse(xml, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    private func refusal(bytes: [UInt8]) -> XMLError? {
        do {
            _ = try XMLParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func refusesBillionLaughs() {
        let document = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
             <!ENTITY lol "lol">
             <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
             <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
             <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
             <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
             <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
             <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
             <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
             <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
             <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
            ]>
            <lolz>&lol9;</lolz>
            """
        #expect(refusal(document) == XMLError(.forbidden, "DOCTYPE is not allowed in XMPP (line 2)"))
    }

    @Test func refusesDoctype() {
        #expect(refusal("<!DOCTYPE iq SYSTEM 'http://example.com/x.dtd'><iq/>")
            == XMLError(.forbidden, "DOCTYPE is not allowed in XMPP (line 1)"))
    }

    /// An entity can only be declared inside a DOCTYPE, so the DOCTYPE is
    /// what gets refused, before the declaration is read.
    @Test func refusesEntityDeclarations() {
        #expect(refusal("<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
            == XMLError(.forbidden, "DOCTYPE is not allowed in XMPP (line 1)"))
    }

    @Test func refusesComments() {
        #expect(refusal("<iq>\n<!-- hello --></iq>") == XMLError(.forbidden, "comment is not allowed in XMPP (line 2)"))
        #expect(refusal("<!-- before --><iq/>") == XMLError(.forbidden, "comment is not allowed in XMPP (line 1)"))
    }

    @Test func refusesProcessingInstructions() {
        #expect(refusal("<iq><?target data?></iq>")
            == XMLError(.forbidden, "processing instruction is not allowed in XMPP (line 1)"))
    }

    @Test func refusesUndefinedEntitiesAsMalformed() {
        #expect(refusal("<a>&foo;</a>") == XMLError(.malformed, "line 1, column 4: undefined entity"))
    }

    @Test func refusesDepthBeyondTheLimit() {
        let deep = String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)
        #expect(refusal(deep) == XMLError(.tooDeep, "element depth exceeds 64"))
        #expect(refusal("<a><b><c/></b></a>", limits: XMLLimits(maxDepth: 2))
            == XMLError(.tooDeep, "element depth exceeds 2"))
    }

    @Test func refusesTooManyAttributes() {
        let attributes = (0..<65).map { " a\($0)='v'" }.joined()
        #expect(refusal("<iq><x\(attributes)/></iq>")
            == XMLError(.tooManyAttributes, "element <x> has 65 attributes; the limit is 64"))
    }

    @Test func refusesOversizeStanzasBeforeParsing() {
        let oversize = "<" + String(repeating: "a", count: 299_997) + "/>"
        #expect(refusal(oversize) == XMLError(.tooLarge, "stanza is 300000 bytes; the limit is 262144"))
        // Not even well-formed: the size is checked first.
        #expect(refusal("<<<<<<", limits: XMLLimits(maxBytes: 5))
            == XMLError(.tooLarge, "stanza is 6 bytes; the limit is 5"))
    }

    @Test func refusesWhenTheParserCannotFitItsBudget() {
        let tiny = XMLLimits(maxAllocationBytes: 256)
        #expect(refusal("<a/>", limits: tiny)
            == XMLError(.outOfMemory, "parsing needs more than the 256-byte memory budget"))
    }

    @Test func refusesWhenParsingOutgrowsItsBudget() throws {
        // The parser fits in 64 KiB; a 200 KB attribute value, which expat
        // must copy, does not.
        let value = String(repeating: "v", count: 200_000)
        let stanza = "<a v='\(value)'/>"
        let limits = XMLLimits(maxAllocationBytes: 65_536)
        #expect(refusal("<a v='small'/>", limits: limits) == nil)
        #expect(refusal(stanza, limits: limits)
            == XMLError(.outOfMemory, "parsing needs more than the 65536-byte memory budget"))
        #expect(refusal(stanza) == nil)
    }

    @Test func refusesEverythingButExactlyOneElement() {
        #expect(refusal("") == XMLError(.malformed, "no element"))
        #expect(refusal(" \n ") == XMLError(.malformed, "no element"))
        #expect(refusal("<?xml version='1.0'?>") == XMLError(.malformed, "no element"))
        #expect(refusal("<a/><b/>") == XMLError(.malformed, "line 1, column 5: junk after document element"))
        #expect(refusal("<a/>junk") == XMLError(.malformed, "line 1, column 5: junk after document element"))
        #expect(refusal("text<a/>")?.kind == .malformed)
    }

    @Test func refusesTruncatedInput() {
        #expect(refusal("<a><b>text") == XMLError(.malformed, "line 1, column 11: input ends inside <b>"))
        #expect(refusal("<a><b") == XMLError(.malformed, "line 1, column 4: unclosed token"))
    }

    @Test func refusesMismatchedTags() {
        #expect(refusal("<a><b></a>") == XMLError(.malformed, "line 1, column 9: mismatched tag"))
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = Array("<a>".utf8) + [0xC3, 0x28] + Array("</a>".utf8)
        #expect(refusal(bytes: bytes) == XMLError(.malformed, "line 1, column 4: not well-formed (invalid token)"))
        #expect(refusal(bytes: Array("<a b='".utf8) + [0xFF] + Array("'/>".utf8))?.kind == .malformed)
    }

    @Test func refusesDuplicateAttributes() {
        #expect(refusal("<a b='1' b='2'/>") == XMLError(.malformed, "line 1, column 10: duplicate attribute"))
    }

    @Test func refusesDeclaredNonUTF8Encodings() {
        let latin1: [UInt8] = Array("<?xml version='1.0' encoding='ISO-8859-1'?><a>".utf8) + [0xE9] + Array("</a>".utf8)
        #expect(refusal(bytes: latin1)?.kind == .malformed)
    }
}
