/// A XEP-0004 data form: how ad-hoc commands, push options and
/// publish-options carry named values.
public struct DataForm: Sendable, Equatable {
    /// The form types XEP-0004 defines.
    public static let types: Set<String> = ["form", "submit", "result", "cancel"]

    /// `form`, `submit`, `result` or `cancel`.
    public var type: String
    /// The form's title (`<title/>`).
    public var title: String?
    /// Instructions for the user, one per `<instructions/>`.
    public var instructions: [String]
    /// The fields, in order.
    public var fields: [Field]
    /// The column definitions of a multi-item result (`<reported/>`).
    public var reported: [Field]
    /// The rows of a multi-item result, one field list per `<item/>`.
    public var items: [[Field]]

    /// A form of `type`. A `formType` is added first, as the hidden
    /// `FORM_TYPE` field that names the form's schema (XEP-0068).
    public init(type: String, formType: String? = nil, fields: [Field] = []) {
        self.type = type
        self.title = nil
        self.instructions = []
        self.fields = []
        if let formType {
            self.fields.append(Field("FORM_TYPE", type: "hidden", values: [formType]))
        }
        self.fields += fields
        self.reported = []
        self.items = []
    }

    /// Reads a form from its `<x xmlns='jabber:x:data'/>` element.
    /// Unknown children (form extensions) are ignored.
    public init(_ element: Element) throws(FormError) {
        guard element.name == "x", element.namespace == NS.dataForms else {
            throw FormError("expected <x xmlns='\(NS.dataForms)'>, got <\(element.name) xmlns='\(element.namespace)'>")
        }
        guard let type = element[attribute: "type"] else {
            throw FormError("form has no type")
        }
        guard Self.types.contains(type) else {
            throw FormError("unknown form type \"\(type)\"")
        }
        self.init(type: type)
        for child in element.elements where child.namespace == NS.dataForms {
            switch child.name {
            case "title": title = child.text
            case "instructions": instructions.append(child.text)
            case "field": fields.append(try Field(child))
            case "reported": reported = try Self.fields(of: child)
            case "item": items.append(try Self.fields(of: child))
            default: continue
            }
        }
        try Self.checkUnique(fields)
    }

    /// The value of the `FORM_TYPE` field, which names the form's schema.
    public var formType: String? {
        value("FORM_TYPE")
    }

    /// The values of the field named `variable`; nil when there is no
    /// such field.
    public subscript(_ variable: String) -> [String]? {
        fields.first { $0.variable == variable }?.values
    }

    /// The first value of the field named `variable`.
    public func value(_ variable: String) -> String? {
        self[variable]?.first
    }

    /// The field named `variable` as a XEP-0004 boolean: `1`/`true` or
    /// `0`/`false`. Nil when the field is absent or has no value; an error
    /// for any other value.
    public func bool(_ variable: String) throws(FormError) -> Bool? {
        guard let value = value(variable) else { return nil }
        switch value {
        case "1", "true": return true
        case "0", "false": return false
        default: throw FormError("field \(variable): expected a boolean, got \"\(value)\"")
        }
    }

    /// The form as an `<x xmlns='jabber:x:data'/>` element.
    public var element: Element {
        var form = Element("x", namespace: NS.dataForms, attributes: [("type", type)])
        if let title {
            form.append(Element("title", children: [.text(title)]))
        }
        for line in instructions {
            form.append(Element("instructions", children: [.text(line)]))
        }
        for field in fields {
            form.append(field.element)
        }
        if !reported.isEmpty {
            form.append(Element("reported", children: reported.map { .element($0.element) }))
        }
        for item in items {
            form.append(Element("item", children: item.map { .element($0.element) }))
        }
        return form
    }

    private static func fields(of group: Element) throws(FormError) -> [Field] {
        var fields: [Field] = []
        for field in group.children("field", namespace: NS.dataForms) {
            fields.append(try Field(field))
        }
        try checkUnique(fields)
        return fields
    }

    /// XEP-0004 §3.2: a `var` names one field; a second one would make
    /// lookups by name silently pick one of them.
    private static func checkUnique(_ fields: [Field]) throws(FormError) {
        var seen: Set<String> = []
        for field in fields where !field.variable.isEmpty && !seen.insert(field.variable).inserted {
            throw FormError("duplicate field \"\(field.variable)\"")
        }
    }
}
