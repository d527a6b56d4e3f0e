import NudgeStore
import NudgeXMPP

extension PushSummary {
    /// The present fields as a JSON object, in `fieldNames` order: what the
    /// app receives from vendors that hand it the data as is (APNs custom
    /// keys, Web Push, WNS raw, UBports). Counts are JSON numbers when they
    /// are whole numbers JSON can carry exactly; everything else is the
    /// string the form held.
    var jsonObject: JSONObject {
        var object = JSONObject()
        for (name, value) in fields {
            if name == "message-count" || name == "pending-subscription-count",
               let number = Int64(value), number.magnitude <= 1 << 53 {
                object[name] = .number(Double(number))
            } else {
                object[name] = .string(value)
            }
        }
        return object
    }

    /// `message-count` as a number, when it is one.
    var messageCountNumber: Int? {
        messageCount.flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
    }
}
