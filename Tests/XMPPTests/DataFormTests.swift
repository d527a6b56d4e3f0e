import Testing
@testable import NudgeXMPP

@Suite struct DataFormTests {
    private static let formXML = """
        <x xmlns='jabber:x:data' type='form'><title>Push settings</title><instructions>Choose.</instructions>\
        <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:push:options</value></field>\
        <field type='fixed'><value>Section</value></field>\
        <field var='include-senders' type='boolean' label='Include senders'><desc>Show who wrote</desc>\
        <required/><value>1</value></field>\
        <field var='service' type='list-single'><value>fcm</value><option label='Apple'><value>apns</value></option>\
        <option><value>fcm</value></option></field>\
        <field var='jids' type='jid-multi'><value>a@b</value><value>c@d</value></field></x>
        """

    @Test func parsesAForm() throws {
        let form = try DataForm(XMLParser.parse(Self.formXML))
        #expect(form.type == "form")
        #expect(form.title == "Push settings")
        #expect(form.instructions == ["Choose."])
        #expect(form.formType == NS.pushOptions)
        #expect(form.fields.count == 5)
        #expect(form.fields[1] == DataForm.Field("", type: "fixed", values: ["Section"]))
        #expect(form["jids"] == ["a@b", "c@d"])
        #expect(form["missing"] == nil)
        #expect(form.value("service") == "fcm")
        #expect(try form.bool("include-senders") == true)
        let senders = try #require(form.fields.first { $0.variable == "include-senders" })
        #expect(senders.required)
        #expect(senders.desc == "Show who wrote")
        #expect(senders.label == "Include senders")
        let service = try #require(form.fields.first { $0.variable == "service" })
        #expect(service.options == [DataForm.Option("apns", label: "Apple"), DataForm.Option("fcm")])
    }

    @Test func serializesBackToTheSameElement() throws {
        let element = try XMLParser.parse(Self.formXML)
        let form = try DataForm(element)
        #expect(form.element == element)
        #expect(form.element.serialized() == Self.formXML)
        #expect(try DataForm(XMLParser.parse(form.element.serialized())) == form)
    }

    @Test func buildsASubmissionWithFormType() throws {
        let form = DataForm(type: "submit", formType: NS.pubsubPublishOptions,
                            fields: [DataForm.Field("secret", values: ["s3cr3t"])])
        #expect(form.formType == NS.pubsubPublishOptions)
        #expect(form.fields.map(\.variable) == ["FORM_TYPE", "secret"])
        #expect(form.element.serialized() == """
            <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>\
            <value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
            <field var='secret'><value>s3cr3t</value></field></x>
            """)
        #expect(DataForm(type: "submit").formType == nil)
    }

    @Test func readsResultItems() throws {
        let form = try DataForm(XMLParser.parse("""
            <x xmlns='jabber:x:data' type='result'><reported><field var='node' label='Node'/></reported>\
            <item><field var='node'><value>a</value></field></item>\
            <item><field var='node'><value>b</value></field></item></x>
            """))
        #expect(form.reported == [DataForm.Field("node", label: "Node", values: [])])
        #expect(form.items.map { $0.map(\.values) } == [[["a"]], [["b"]]])
        #expect(try DataForm(XMLParser.parse(form.element.serialized())) == form)
    }

    @Test(arguments: [
        ("1", true), ("true", true), ("0", false), ("false", false),
    ])
    func readsBooleans(value: String, expected: Bool) throws {
        let form = DataForm(type: "submit", fields: [DataForm.Field("flag", values: [value])])
        #expect(try form.bool("flag") == expected)
    }

    @Test func booleanErrorsNameTheFieldAndValue() throws {
        let form = DataForm(type: "submit", fields: [DataForm.Field("include-senders", values: ["maybe"]),
                                                     DataForm.Field("empty", values: [])])
        #expect(throws: FormError("field include-senders: expected a boolean, got \"maybe\"")) {
            try form.bool("include-senders")
        }
        #expect(try form.bool("absent") == nil)
        #expect(try form.bool("empty") == nil)
    }

    @Test(arguments: [
        ("<x xmlns='jabber:x:data'/>", "form has no type"),
        ("<x xmlns='jabber:x:data' type='bogus'/>", "unknown form type \"bogus\""),
        ("<x xmlns='urn:other' type='form'/>", "expected <x xmlns='jabber:x:data'>, got <x xmlns='urn:other'>"),
        ("<form xmlns='jabber:x:data' type='form'/>",
         "expected <x xmlns='jabber:x:data'>, got <form xmlns='jabber:x:data'>"),
        ("<x xmlns='jabber:x:data' type='form'><field type='boolean'/></x>", "field of type \"boolean\" has no var"),
        ("<x xmlns='jabber:x:data' type='form'><field/></x>", "field of type \"text-single\" has no var"),
        ("<x xmlns='jabber:x:data' type='form'><field label='Name'/></x>", "field \"Name\" has no var"),
        ("<x xmlns='jabber:x:data' type='form'><field var='a'/><field var='a'/></x>", "duplicate field \"a\""),
        ("<x xmlns='jabber:x:data' type='result'><item><field var='a'/><field var='a'/></item></x>",
         "duplicate field \"a\""),
        ("<x xmlns='jabber:x:data' type='form'><field var='s'><option label='L'/></field></x>",
         "field s: an option has no value"),
    ])
    func rejectsInvalidForms(xml: String, message: String) throws {
        let element = try XMLParser.parse(xml)
        #expect(throws: FormError(message)) { try DataForm(element) }
    }

    @Test func ignoresForeignChildren() throws {
        let form = try DataForm(XMLParser.parse("""
            <x xmlns='jabber:x:data' type='submit'><field var='a'><value>1</value>\
            <validate xmlns='http://jabber.org/protocol/xdata-validate'/></field><other xmlns='urn:x'/></x>
            """))
        #expect(form.fields == [DataForm.Field("a", values: ["1"])])
    }
}
