import Testing
import NudgeCore

@Suite struct RetryScheduleTests {
    @Test func delaysDoubleUpToTheCapAndStretchByAtMostAFifth() {
        let schedule = RetrySchedule(first: 1000, cap: 60_000)
        for seed in [0, 1, 42, UInt64.max] as [UInt64] {
            for attempt in 0..<30 {
                let base = min(Int64(1000) << min(attempt, 20), 60_000)
                let delay = schedule.delay(attempt: attempt, seed: seed)
                #expect(delay >= base && delay <= base + base / 5, "attempt \(attempt) seed \(seed): \(delay)")
            }
        }
    }

    @Test func theSameSeedGivesTheSameDelayAndSeedsSpreadThem() {
        let schedule = RetrySchedule.delivery
        #expect(schedule.delay(attempt: 3, seed: 7) == schedule.delay(attempt: 3, seed: 7))
        let delays = Set((0..<100 as Range<UInt64>).map { schedule.delay(attempt: 3, seed: $0) })
        #expect(delays.count > 50)   // jobs refused together come back apart
    }

    @Test func bothSchedulesStartWhereTheDocsSay() {
        #expect((5000...6000).contains(RetrySchedule.publish.delay(attempt: 0, seed: 9)))
        #expect((600_000...720_000).contains(RetrySchedule.publish.delay(attempt: 40, seed: 9)))
        #expect((1000...1200).contains(RetrySchedule.delivery.delay(attempt: 0, seed: 9)))
        #expect((900_000...1_080_000).contains(RetrySchedule.delivery.delay(attempt: 40, seed: 9)))
    }
}
