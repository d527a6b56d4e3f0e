/// One node of an element's content.
public enum XMLNode: Sendable, Equatable {
    case element(Element)
    case text(String)
}

/// An XML element: a stanza or anything inside one.
///
/// `namespace` is always the element's effective default namespace, so
/// code can match on it without walking up the tree. The parser fills it in
/// from the nearest `xmlns`; when building a tree, a child whose namespace
/// is `""` takes its parent's as it is added (through `init(children:)`,
/// `append(_:)`), so built trees look exactly like parsed ones. Assigning
/// `children` directly skips that step: a `""` child under a namespaced
/// parent then really is in no namespace, and serializes with `xmlns=''`.
public struct Element: Sendable, Equatable {
    /// The name as written, prefix included (`iq`, `stream:features`).
    public var name: String
    /// The effective default namespace; `""` when there is none.
    public var namespace: String
    /// Attributes in document order. `xmlns` is never among them: it is
    /// `namespace`. Other declarations (`xmlns:foo`) and prefixed
    /// attributes (`xml:lang`) are ordinary attributes.
    public var attributes: [(name: String, value: String)]
    /// Child elements and text, in document order.
    public var children: [XMLNode]

    /// A new element. An `xmlns` entry in `attributes` is taken as the
    /// namespace when `namespace` is empty, and is dropped either way.
    public init(_ name: String, namespace: String = "", attributes: [(String, String)] = [],
                children: [XMLNode] = []) {
        self.name = name
        var namespace = namespace
        var kept: [(name: String, value: String)] = []
        kept.reserveCapacity(attributes.count)
        for (attributeName, value) in attributes {
            if attributeName == "xmlns" {
                if namespace.isEmpty { namespace = value }
            } else {
                kept.append((attributeName, value))
            }
        }
        self.namespace = namespace
        self.attributes = kept
        self.children = []
        self.children.reserveCapacity(children.count)
        for child in children {
            switch child {
            case .element(let element): append(element)
            case .text(let text): self.children.append(.text(text))
            }
        }
    }

    /// Builds an element from parts the parser has already checked; skips
    /// the `xmlns` filtering and namespace inheritance of the public init.
    init(parsedName name: String, namespace: String, attributes: [(name: String, value: String)]) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = []
    }

    /// The value of the first attribute called `name`. Setting replaces
    /// that value (or adds the attribute); setting `nil` removes every
    /// attribute of that name. `xmlns` reads and writes `namespace`.
    public subscript(attribute name: String) -> String? {
        get {
            if name == "xmlns" { return namespace.isEmpty ? nil : namespace }
            for attribute in attributes where attribute.name == name {
                return attribute.value
            }
            return nil
        }
        set {
            if name == "xmlns" {
                namespace = newValue ?? ""
                return
            }
            guard let newValue else {
                attributes.removeAll { $0.name == name }
                return
            }
            if let index = attributes.firstIndex(where: { $0.name == name }) {
                attributes[index].value = newValue
            } else {
                attributes.append((name, newValue))
            }
        }
    }

    /// The first direct child element called `name`, in `namespace` when
    /// one is given.
    public func child(_ name: String, namespace: String? = nil) -> Element? {
        for case .element(let element) in children
        where element.name == name && (namespace == nil || element.namespace == namespace) {
            return element
        }
        return nil
    }

    /// The direct child elements, filtered by name and namespace where given.
    public func children(_ name: String? = nil, namespace: String? = nil) -> [Element] {
        var found: [Element] = []
        for case .element(let element) in children
        where (name == nil || element.name == name) && (namespace == nil || element.namespace == namespace) {
            found.append(element)
        }
        return found
    }

    /// The direct child elements.
    public var elements: [Element] {
        children(nil, namespace: nil)
    }

    /// The direct text children, concatenated; text inside child elements
    /// is not included.
    public var text: String {
        var joined = ""
        for case .text(let text) in children {
            joined += text
        }
        return joined
    }

    /// Adds a child element, which takes this element's namespace if it
    /// has none (and so do its own descendants that had none).
    public mutating func append(_ child: Element) {
        var child = child
        if child.namespace.isEmpty && !namespace.isEmpty {
            child.inheritNamespace(namespace)
        }
        children.append(.element(child))
    }

    /// Adds text after the existing content.
    public mutating func append(text: String) {
        children.append(.text(text))
    }

    private mutating func inheritNamespace(_ inherited: String) {
        namespace = inherited
        for index in children.indices {
            if case .element(var element) = children[index], element.namespace.isEmpty {
                // Leave a placeholder so `element` is the only reference to
                // its storage and the recursion mutates it without copying.
                children[index] = .text("")
                element.inheritNamespace(inherited)
                children[index] = .element(element)
            }
        }
    }

    public static func == (lhs: Element, rhs: Element) -> Bool {
        guard lhs.name == rhs.name, lhs.namespace == rhs.namespace,
              lhs.attributes.count == rhs.attributes.count, lhs.children == rhs.children
        else { return false }
        for (left, right) in zip(lhs.attributes, rhs.attributes)
        where left.name != right.name || left.value != right.value {
            return false
        }
        return true
    }
}
