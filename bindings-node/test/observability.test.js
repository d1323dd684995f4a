'use strict'

// Issue 11: metrics, Prometheus text, event listeners, environments.

const test = require('node:test')
const assert = require('node:assert/strict')

const { PatternEngine, PatternLearningError, ErrorCode } = require('..')

const GIFT = 'Yes! Gift cards are sold online, from $25 to $500.'

/** Resolves once `predicate()` holds (listeners run on later turns of the event loop). */
async function until(predicate) {
  for (let i = 0; i < 500 && !predicate(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  assert.ok(predicate(), 'condition not reached')
}

test('metrics() counts every decision by action and reason', async () => {
  const engine = new PatternEngine()
  const seen = {}
  for (const m of ['hello there', 'do you sell gift cards', '', 'opening hours?']) {
    const d = await engine.process(m)
    seen[d.action] = (seen[d.action] ?? 0) + 1
  }
  await engine.feedback({ query: 'gift cards?', action: 'answer', sentReply: GIFT })
  const m = engine.metrics()
  assert.equal(m.decisions, 4)
  assert.deepEqual(
    Object.fromEntries(Object.entries(m.decisionsByAction).filter(([, n]) => n > 0)),
    seen,
  )
  assert.equal(m.decisionsByReason.no_matching_pattern + m.decisionsByReason.empty_message, 4)
  assert.equal(m.confidence.escalate.count, 4)
  assert.equal(m.processLatencyUs.count, 4)
  assert.equal(m.feedback.answered, 1)
  assert.equal(m.patterns.total, 1)
  assert.equal(m.suggestionPrecision, null)
  const text = engine.prometheus()
  assert.match(text, /^pattern_learning_decisions_total\{action="escalate",reason="no_matching_pattern"\} 3$/m)
  assert.match(text, /^pattern_learning_patterns\{state="suggest_only"\} 1$/m)
})

test('a listener gets decisions with action and confidence (for StatsD routing.<action>)', async () => {
  const engine = new PatternEngine()
  const events = []
  const sub = engine.subscribe((event) => events.push(event))
  const d = await engine.process('do you sell gift cards')
  await engine.feedback({ query: 'gift cards?', action: 'answer', sentReply: GIFT })
  await until(() => events.length === 2)
  const [decision, feedback] = events
  assert.equal(decision.type, 'decision')
  assert.equal(decision.decision.action, d.action)
  assert.equal(decision.decision.confidence, d.confidence)
  assert.equal(`routing.${decision.decision.action}`, 'routing.escalate')
  assert.ok(decision.latencyUs > 0)
  assert.equal(feedback.type, 'feedback')
  assert.equal(feedback.feedback.action, 'answer')
  assert.equal(feedback.feedback.outcome.created, true)
  assert.equal(sub.delivered, 2)
  sub.unsubscribe()
  await engine.process('after unsubscribe')
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(events.length, 2)
})

test('a throwing listener never breaks processing', async () => {
  const engine = new PatternEngine()
  const sub = engine.subscribe(() => {
    throw new Error('listener bug')
  })
  const good = []
  engine.subscribe((e) => good.push(e))
  for (let i = 0; i < 20; i++) {
    const d = await engine.process(`question ${i}`)
    assert.equal(d.action, 'escalate')
  }
  assert.equal(engine.processSync('one more sync').action, 'escalate')
  await until(() => good.length === 21 && sub.failed === 21)
  assert.equal(engine.metrics().decisions, 21)
})

test('listener arguments are checked', () => {
  const engine = new PatternEngine()
  assert.throws(
    () => engine.subscribe('not a function'),
    (err) => err instanceof PatternLearningError && err.code === ErrorCode.INVALID_ARGUMENT,
  )
})

test('environments: production needs two approvals, development starts in shadow mode', async () => {
  const prod = new PatternEngine({ environment: 'production', config: { thresholds: { auto: 0.9 } } })
  const c = prod.getConfig()
  assert.equal(c.environment, 'production')
  assert.equal(c.approvalsBeforeAutoSend, 2)
  assert.equal(c.thresholds.auto, 0.9)
  const explained = prod.explainConfig()
  assert.match(explained, /^approvals_before_auto_send\s+2\s+environment production$/m)
  assert.match(explained, /^thresholds\.auto\s+0\.9\s+explicit$/m)
  const dev = new PatternEngine({ environment: 'development' })
  assert.equal(dev.getConfig().shadowMode, true)
  assert.throws(
    () => new PatternEngine({ environment: 'prodution' }),
    (err) => err instanceof PatternLearningError && err.code === 'INVALID_CONFIG',
  )
})
