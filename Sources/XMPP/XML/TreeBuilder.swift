import CExpat
import Glibc

/// Receives expat's events for one parse and builds the element tree,
/// enforcing the limits expat does not know about. It stops the parser at
/// the first violation and remembers why, since expat itself can only
/// report that it was aborted.
final class TreeBuilder {
    let limits: XMLLimits
    /// Set once the parser exists; the handlers need it to stop parsing and
    /// to read positions.
    var parser: XML_Parser?
    /// Elements opened and not yet closed, outermost first.
    private(set) var openElements: [Element] = []
    private(set) var root: Element?
    /// Character data since the last tag. expat splits text at buffer and
    /// entity boundaries; collecting the bytes here makes one text node of
    /// each run without building intermediate strings.
    private var pendingText: [UInt8] = []
    private(set) var failure: XMLError?
    /// Stop once the root's start tag is read (`XMLParser.rootStartTag`).
    var stopAtRoot = false

    init(limits: XMLLimits) {
        self.limits = limits
    }

    func startElement(name: UnsafePointer<CChar>, attributes: UnsafeMutablePointer<UnsafePointer<CChar>?>) {
        guard failure == nil else { return }
        flushText()
        guard openElements.count < limits.maxDepth else {
            refuse(.tooDeep, "element depth exceeds \(limits.maxDepth)")
            return
        }
        let elementName = String(cString: name)
        // Without a DTD every attribute is a specified one, so this is the
        // element's full attribute count, read without walking the list.
        let attributeCount = Int(XML_GetSpecifiedAttributeCount(parser)) / 2
        guard attributeCount <= limits.maxAttributes else {
            refuse(.tooManyAttributes,
                   "element <\(elementName)> has \(attributeCount) attributes; the limit is \(limits.maxAttributes)")
            return
        }
        var namespace: String?
        var kept: [(name: String, value: String)] = []
        kept.reserveCapacity(attributeCount)
        var index = 0
        while let attributeName = attributes[index], let value = attributes[index + 1] {
            index += 2
            if strcmp(attributeName, "xmlns") == 0 {
                namespace = String(cString: value)
            } else {
                kept.append((String(cString: attributeName), String(cString: value)))
            }
        }
        openElements.append(Element(parsedName: elementName,
                                    namespace: namespace ?? openElements.last?.namespace ?? "",
                                    attributes: kept))
        if stopAtRoot { XML_StopParser(parser, XML_FALSE) }
    }

    func endElement() {
        guard failure == nil else { return }
        flushText()
        let element = openElements.removeLast()
        if openElements.isEmpty {
            root = element
        } else {
            openElements[openElements.count - 1].children.append(.element(element))
        }
    }

    func characters(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        pendingText.append(contentsOf: bytes)
    }

    /// Stops the parse because the document holds something XMPP forbids.
    func refuseConstruct(_ construct: String) {
        guard failure == nil else { return }
        refuse(.forbidden, "\(construct) is not allowed in XMPP (line \(XML_GetCurrentLineNumber(parser)))")
    }

    private func refuse(_ kind: XMLError.Kind, _ message: String) {
        failure = XMLError(kind, message)
        XML_StopParser(parser, XML_FALSE)
    }

    private func flushText() {
        guard !pendingText.isEmpty, !openElements.isEmpty else { return }
        // expat has already checked the bytes are UTF-8.
        let text = String(decoding: pendingText, as: UTF8.self)
        openElements[openElements.count - 1].children.append(.text(text))
        pendingText.removeAll(keepingCapacity: true)
    }
}
