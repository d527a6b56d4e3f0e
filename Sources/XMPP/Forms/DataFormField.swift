extension DataForm {
    /// One choice offered by a list field.
    public struct Option: Sendable, Equatable {
        /// What to show the user.
        public var label: String?
        /// What is submitted when the option is chosen.
        public var value: String

        /// An option submitting `value`.
        public init(_ value: String, label: String? = nil) {
            self.value = value
            self.label = label
        }
    }

    /// One `<field/>` of a form.
    public struct Field: Sendable, Equatable {
        /// The field's `var`; `""` only for a `fixed` field, which carries
        /// text for the user and needs no name.
        public var variable: String
        /// The XEP-0004 field type (`boolean`, `text-single`, `hidden`, …);
        /// nil where the form leaves it implicit, as submissions do.
        public var type: String?
        /// The caption to show the user.
        public var label: String?
        /// The values, in order.
        public var values: [String]
        /// Whether the form requires a value (`<required/>`).
        public var required: Bool
        /// Help text for the user (`<desc/>`).
        public var desc: String?
        /// The choices of a `list-single` or `list-multi` field.
        public var options: [Option]

        /// A field named `variable`.
        public init(_ variable: String, type: String? = nil, label: String? = nil, values: [String],
                    required: Bool = false, desc: String? = nil, options: [Option] = []) {
            self.variable = variable
            self.type = type
            self.label = label
            self.values = values
            self.required = required
            self.desc = desc
            self.options = options
        }

        init(_ element: Element) throws(FormError) {
            let type = element[attribute: "type"]
            let variable = element[attribute: "var"]
            guard let variable = variable ?? (type == "fixed" ? "" : nil) else {
                if let label = element[attribute: "label"] {
                    throw FormError("field \"\(label)\" has no var")
                }
                throw FormError("field of type \"\(type ?? "text-single")\" has no var")
            }
            // One walk over the children: every publish reads two forms.
            var options: [Option] = []
            var values: [String] = []
            var required = false
            var desc: String?
            for case .element(let child) in element.children where child.namespace == NS.dataForms {
                switch child.name {
                case "value": values.append(child.text)
                case "required": required = true
                case "desc" where desc == nil: desc = child.text
                case "option":
                    guard let value = child.child("value", namespace: NS.dataForms) else {
                        throw FormError("field \(variable): an option has no value")
                    }
                    options.append(Option(value.text, label: child[attribute: "label"]))
                default: continue
                }
            }
            self.init(variable, type: type, label: element[attribute: "label"], values: values,
                      required: required, desc: desc, options: options)
        }

        var element: Element {
            var field = Element("field", namespace: NS.dataForms)
            if !variable.isEmpty { field[attribute: "var"] = variable }
            if let type { field[attribute: "type"] = type }
            if let label { field[attribute: "label"] = label }
            if let desc { field.append(Element("desc", children: [.text(desc)])) }
            if required { field.append(Element("required")) }
            for value in values {
                field.append(Element("value", children: [.text(value)]))
            }
            for option in options {
                var choice = Element("option")
                if let label = option.label { choice[attribute: "label"] = label }
                choice.append(Element("value", children: [.text(option.value)]))
                field.append(choice)
            }
            return field
        }
    }
}
